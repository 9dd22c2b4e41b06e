#include "core/tokenizer/bpe_model.h"

#include <cstdio>
#include <queue>

#include "core/tokenizer/utf8.h"

namespace sparsescope::tok {

BpeModel BpeModel::fromJson(const Json& j, const JsonCtx& ctx) {
    BpeModel m;
    const JsonCtx vctx = ctx.child("vocab");
    const Json& vocab = requireField(j, "vocab", ctx);
    if (!vocab.is_object()) vctx.fail("expected an object mapping token -> id");
    m.vocab_.reserve(vocab.size());
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
        const auto id = static_cast<int32_t>(requireInteger(it.value(), vctx.child(it.key()), 0, INT32_MAX - 1));
        m.vocab_.emplace(it.key(), id);
        m.vocabR_.emplace(id, it.key());  // the first token listed keeps a duplicated id
        m.maxId_ = std::max(m.maxId_, id);
    }

    const std::string unk = optionalString(j, "unk_token", "", ctx);
    if (j.contains("unk_token") && !j["unk_token"].is_null()) m.unkToken_ = unk;
    m.continuingSubwordPrefix_ = optionalString(j, "continuing_subword_prefix", "", ctx);
    m.endOfWordSuffix_ = optionalString(j, "end_of_word_suffix", "", ctx);
    m.fuseUnk_ = optionalBool(j, "fuse_unk", false, ctx);
    m.byteFallback_ = optionalBool(j, "byte_fallback", false, ctx);
    m.ignoreMerges_ = optionalBool(j, "ignore_merges", false, ctx);
    // "dropout" only randomizes training-time segmentation; encoding here is the
    // deterministic dropout-free result (what HF returns when dropout is null or 0).

    const Json& merges = requireArray(j, "merges", ctx);
    const JsonCtx mctx = ctx.child("merges");
    m.merges_.reserve(merges.size());
    int32_t rank = 0;
    for (size_t i = 0; i < merges.size(); ++i) {
        const Json& e = merges[i];
        std::string a, b;
        if (e.is_string()) {
            const std::string line = e.get<std::string>();
            if (line.rfind("#version", 0) == 0) continue;  // merges.txt header kept by old converters
            const size_t sp = line.find(' ');
            if (sp == std::string::npos || line.find(' ', sp + 1) != std::string::npos)
                mctx.item(i).fail("expected \"left right\" with exactly one space, got '" + line + "'");
            a = line.substr(0, sp);
            b = line.substr(sp + 1);
        } else if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
            a = e[0].get<std::string>();
            b = e[1].get<std::string>();
        } else {
            mctx.item(i).fail("expected a \"left right\" string or a [\"left\", \"right\"] pair");
        }
        const auto ia = m.idOf(a), ib = m.idOf(b);
        if (!ia) mctx.item(i).fail("merge part '" + a + "' is not in the vocabulary");
        if (!ib) mctx.item(i).fail("merge part '" + b + "' is not in the vocabulary");
        const size_t prefixLen = m.continuingSubwordPrefix_.size();
        if (b.size() < prefixLen) mctx.item(i).fail("merge part '" + b + "' lacks the continuing-subword prefix");
        const std::string merged = a + b.substr(prefixLen);
        const auto inew = m.idOf(merged);
        if (!inew) mctx.item(i).fail("merged token '" + merged + "' is not in the vocabulary");
        // A repeated pair keeps its last rank, as HF's HashMap collect does.
        m.merges_[pairKey(*ia, *ib)] = {rank++, *inew};
    }
    if (m.unkToken_ && !m.idOf(*m.unkToken_))
        ctx.child("unk_token").fail("unk token '" + *m.unkToken_ + "' is not in the vocabulary");
    return m;
}

std::optional<int32_t> BpeModel::idOf(const std::string& token) const {
    const auto it = vocab_.find(token);
    if (it == vocab_.end()) return std::nullopt;
    return it->second;
}

const std::string* BpeModel::tokenOf(int32_t id) const {
    const auto it = vocabR_.find(id);
    return it == vocabR_.end() ? nullptr : &it->second;
}

std::vector<int32_t> BpeModel::mergeWord(std::string_view w) const {
    struct Symbol {
        int32_t id;
        int64_t prev, next;
        size_t len;  // bytes of the word it covers; 0 marks a symbol merged away
    };
    std::vector<Symbol> symbols;
    symbols.reserve(w.size());
    auto add = [&](int32_t id, size_t len) {
        const auto n = static_cast<int64_t>(symbols.size());
        if (!symbols.empty()) symbols.back().next = n;
        symbols.push_back({id, n - 1, -1, len});
    };

    // Initial symbols (HF BPE::merge_word): one per character, with prefix/suffix,
    // byte fallback (<0xNN> tokens) and unk (optionally fused) for the rest.
    // Pending unk symbol (fused runs grow it before it is added).
    bool unkPending = false;
    int32_t unkId = -1;
    size_t unkLen = 0;
    for (size_t pos = 0; pos < w.size();) {
        const size_t start = pos;
        nextCodePoint(w, pos);
        const size_t byteLen = pos - start;
        std::string s(w.substr(start, byteLen));
        if (start != 0 && !continuingSubwordPrefix_.empty()) s = continuingSubwordPrefix_ + s;
        if (pos == w.size() && !endOfWordSuffix_.empty()) s += endOfWordSuffix_;
        if (const auto id = idOf(s)) {
            if (unkPending) {
                add(unkId, unkLen);
                unkPending = false;
            }
            add(*id, byteLen);
            continue;
        }
        if (byteFallback_) {
            std::vector<int32_t> ids;
            for (unsigned char b : s) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "<0x%02X>", b);
                const auto id = idOf(buf);
                if (!id) break;
                ids.push_back(*id);
            }
            if (ids.size() == s.size()) {
                for (int32_t id : ids) add(id, 1);
                continue;
            }
        }
        if (unkToken_) {
            if (unkPending && fuseUnk_) {
                unkLen += byteLen;
            } else {
                if (unkPending) add(unkId, unkLen);
                unkPending = true;
                unkId = *idOf(*unkToken_);
                unkLen = byteLen;
            }
        }
        // Without unk and byte fallback HF drops the character; so do we.
    }
    if (unkPending) add(unkId, unkLen);

    struct Candidate {
        int32_t rank;
        int64_t pos;
        int32_t newId;
    };
    // Lowest rank first, then leftmost position (HF's Merge ordering).
    auto worse = [](const Candidate& x, const Candidate& y) {
        return x.rank != y.rank ? x.rank > y.rank : x.pos > y.pos;
    };
    std::priority_queue<Candidate, std::vector<Candidate>, decltype(worse)> queue(worse);
    auto lookup = [&](int32_t a, int32_t b) -> const MergeInfo* {
        const auto it = merges_.find(pairKey(a, b));
        return it == merges_.end() ? nullptr : &it->second;
    };
    for (size_t i = 0; i + 1 < symbols.size(); ++i)
        if (const MergeInfo* mi = lookup(symbols[i].id, symbols[i + 1].id))
            queue.push({mi->rank, static_cast<int64_t>(i), mi->newId});

    while (!queue.empty()) {
        const Candidate top = queue.top();
        queue.pop();
        Symbol& cur = symbols[top.pos];
        if (cur.len == 0 || cur.next == -1) continue;
        const int64_t nextPos = cur.next;
        const Symbol right = symbols[nextPos];
        // Skip stale entries: the pair at this position changed since it was queued.
        const MergeInfo* now = lookup(cur.id, right.id);
        if (!now || now->newId != top.newId) continue;

        cur.id = top.newId;
        cur.len += right.len;
        cur.next = right.next;
        symbols[nextPos].len = 0;
        if (right.next >= 0 && right.next < static_cast<int64_t>(symbols.size()))
            symbols[right.next].prev = top.pos;
        if (cur.prev >= 0)
            if (const MergeInfo* mi = lookup(symbols[cur.prev].id, cur.id))
                queue.push({mi->rank, cur.prev, mi->newId});
        if (cur.next >= 0)
            if (const MergeInfo* mi = lookup(cur.id, symbols[cur.next].id))
                queue.push({mi->rank, top.pos, mi->newId});
    }

    std::vector<int32_t> ids;
    for (const Symbol& s : symbols)
        if (s.len != 0) ids.push_back(s.id);
    return ids;
}

void BpeModel::tokenize(std::string_view word, std::vector<int32_t>& out, WordCache* cache) const {
    if (word.empty()) return;
    if (ignoreMerges_) {
        const auto it = vocab_.find(std::string(word));
        if (it != vocab_.end()) {
            out.push_back(it->second);
            return;
        }
    }
    constexpr size_t kMaxCachedWordBytes = 256;  // long words are rare and cost memory
    const bool cacheable = cache && word.size() <= kMaxCachedWordBytes;
    if (cacheable) {
        const auto it = cache->find(std::string(word));
        if (it != cache->end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    std::vector<int32_t> ids = mergeWord(word);
    out.insert(out.end(), ids.begin(), ids.end());
    if (cacheable) cache->emplace(std::string(word), std::move(ids));
}

}  // namespace sparsescope::tok
