#!/usr/bin/env python3
"""Makes the structured-data samples of samples/ deterministically (no inputs, no network).

    python3 tools/make_structured_sample.py [--out-dir samples]

Writes
  structured_orders.json  a pretty-printed JSON API response: 40 orders of a made-up
                          bookshop with nested customers, line items and totals;
  structured_service.log  ~ 200 log lines of a made-up web service, where each request
                          id appears again when the request finishes (a long-range
                          copy that induction/retrieval heads can pick up).
All names, products and numbers are invented by this script (CC0, like the output).
Randomness comes from SplitMix64 (tools/workload_gen.py), so the bytes are the same with
every Python version.
"""
import argparse
import json
import os

from workload_gen import SplitMix64

FIRST = ["Ada", "Bruno", "Chen", "Dagny", "Emeka", "Farah", "Gustav", "Hana", "Ivo", "Jun",
         "Kofi", "Lena", "Mateo", "Nia", "Oskar", "Priya", "Quinn", "Rosa", "Sami", "Tove"]
LAST = ["Okafor", "Lindqvist", "Moreau", "Tanaka", "Silva", "Novak", "Haddad", "Kowalski",
        "Brennan", "Ivanova", "Mensah", "Castillo", "Andersen", "Rahman", "Weber"]
CITIES = [("Lisbon", "PT"), ("Leeds", "GB"), ("Lyon", "FR"), ("Graz", "AT"), ("Turku", "FI"),
          ("Porto", "PT"), ("Gdansk", "PL"), ("Bergen", "NO"), ("Cork", "IE"), ("Ghent", "BE")]
BOOKS = [("BK-1001", "A Field Guide to Mosses", 18.50), ("BK-1002", "Tidal Engineering", 42.00),
         ("BK-1003", "The Quiet Compiler", 29.90), ("BK-1004", "Bread and Salt", 14.25),
         ("BK-1005", "Maps of Small Islands", 23.00), ("BK-1006", "Linear Algebra Notes", 35.75),
         ("BK-1007", "The Lighthouse Keeper", 11.99), ("BK-1008", "Knots for Sailors", 9.50),
         ("BK-1009", "Winter Gardens", 19.80), ("BK-1010", "Attention Is Sparse", 31.40)]
STATUSES = ["paid", "shipped", "delivered", "refunded", "pending"]
CARRIERS = ["PostNord", "DPD", "GLS", "Royal Mail", "CTT"]

ENDPOINTS = [("GET", "/api/v1/orders"), ("GET", "/api/v1/orders/{id}"), ("POST", "/api/v1/orders"),
             ("GET", "/api/v1/books"), ("GET", "/api/v1/books/{isbn}"), ("PUT", "/api/v1/cart"),
             ("DELETE", "/api/v1/cart/{item}"), ("GET", "/healthz")]
WORKERS = ["web-1", "web-2", "web-3"]
# Mostly successes, some client and server errors, as a real service would log.
STATUS_BY_METHOD = {"GET": [200, 200, 200, 200, 200, 304, 304, 404, 500],
                    "POST": [201, 201, 201, 400, 422, 500],
                    "PUT": [200, 200, 204, 409],
                    "DELETE": [204, 204, 204, 404]}


def pick(rng, seq):
    return seq[rng.below(len(seq))]


def make_orders(rng, count=40):
    orders = []
    for n in range(count):
        first, last = pick(rng, FIRST), pick(rng, LAST)
        city, country = pick(rng, CITIES)
        items = []
        for _ in range(1 + rng.below(3)):
            sku, title, price = pick(rng, BOOKS)
            qty = 1 + rng.below(3)
            items.append({"sku": sku, "title": title, "quantity": qty, "unit_price": price,
                          "line_total": round(qty * price, 2)})
        subtotal = round(sum(i["line_total"] for i in items), 2)
        shipping = 0.0 if subtotal >= 50 else 4.90
        status = pick(rng, STATUSES)
        day = 1 + rng.below(28)
        order = {
            "order_id": f"ORD-{24000 + 7 * n + rng.below(7)}",
            "created_at": f"2024-03-{day:02d}T{rng.below(24):02d}:{rng.below(60):02d}:{rng.below(60):02d}Z",
            "status": status,
            "customer": {"id": f"C{1000 + rng.below(9000)}", "name": f"{first} {last}",
                         "email": f"{first.lower()}.{last.lower()}@example.org",
                         "city": city, "country": country},
            "items": items,
            "subtotal": subtotal,
            "shipping": shipping,
            "total": round(subtotal + shipping, 2),
            "currency": "EUR",
        }
        if status in ("shipped", "delivered"):
            order["tracking"] = {"carrier": pick(rng, CARRIERS),
                                 "number": f"TRK{rng.below(10**9):09d}"}
        orders.append(order)
    return {"page": 1, "per_page": count, "total_count": 1873, "orders": orders}


def make_log(rng, lines=200):
    out = []
    open_requests = []  # (request id, method, path, worker, start ms)
    t = 8 * 3600 * 1000 + 12 * 60 * 1000  # 08:12:00.000
    seq = 0
    while len(out) < lines:
        t += 20 + rng.below(900)
        stamp = (f"2024-03-14T{t // 3600000:02d}:{t // 60000 % 60:02d}:{t // 1000 % 60:02d}"
                 f".{t % 1000:03d}Z")
        roll = rng.below(100)
        if open_requests and (roll < 45 or len(open_requests) > 6):
            rid, method, path, worker, start = open_requests.pop(rng.below(len(open_requests)))
            status = pick(rng, STATUS_BY_METHOD[method])
            level = "ERROR" if status >= 500 else ("WARN" if status >= 400 else "INFO")
            out.append(f"{stamp} {level:<5} {worker} req={rid} done {method} {path} "
                       f"status={status} duration_ms={t - start} bytes={rng.below(48000)}")
        elif roll < 92:
            seq += 1
            rid = f"{rng.next() & 0xFFFFFFFF:08x}"
            method, path = pick(rng, ENDPOINTS)
            path = (path.replace("{id}", f"ORD-{24000 + rng.below(300)}")
                        .replace("{isbn}", f"978{rng.below(10**10):010d}")
                        .replace("{item}", str(1 + rng.below(9))))
            worker = pick(rng, WORKERS)
            open_requests.append((rid, method, path, worker, t))
            out.append(f"{stamp} INFO  {worker} req={rid} start {method} {path} "
                       f"client=10.0.{rng.below(8)}.{1 + rng.below(250)}")
        else:
            worker = pick(rng, WORKERS)
            msg = pick(rng, [f"db pool in_use={rng.below(20)} idle={rng.below(10)} wait_ms={rng.below(40)}",
                             f"cache hit_ratio=0.{rng.below(100):02d} entries={1000 + rng.below(9000)}",
                             f"gc pause_ms={rng.below(30)} heap_mb={200 + rng.below(300)}"])
            out.append(f"{stamp} DEBUG {worker} {msg}")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", default=os.path.join(os.path.dirname(__file__), "..", "samples"))
    args = ap.parse_args()
    with open(os.path.join(args.out_dir, "structured_orders.json"), "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(make_orders(SplitMix64(2024)), indent=2, ensure_ascii=False) + "\n")
    with open(os.path.join(args.out_dir, "structured_service.log"), "w", encoding="utf-8", newline="\n") as f:
        f.write(make_log(SplitMix64(314)))


if __name__ == "__main__":
    main()
