#include "core/cost/hardware.h"

#include "core/common/error.h"
#include "core/common/parallel.h"
#include "core/common/tensor.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sparsescope {

namespace {

namespace fs = std::filesystem;

double positiveNumber(const nlohmann::json& j, const char* key, const std::string& source, const std::string& name) {
    if (!j.contains(key) || !j.at(key).is_number())
        throw Error(source, name + "." + key, "must be a number");
    const double v = j.at(key).get<double>();
    if (!(v > 0)) throw Error(source, name + "." + key, "must be > 0, got " + j.at(key).dump());
    return v;
}

std::string text(const nlohmann::json& j, const char* key) {
    return j.contains(key) && j.at(key).is_string() ? j.at(key).get<std::string>() : std::string();
}

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

std::vector<HardwareProfile> loadHardwareProfiles(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path, "", "cannot open the hardware profiles file");
    std::stringstream buf;
    buf << in.rdbuf();
    const nlohmann::json j = nlohmann::json::parse(buf.str(), nullptr, false);
    if (j.is_discarded()) throw Error(path, "", "not valid JSON");
    if (!j.is_object() || !j.contains("profiles") || !j["profiles"].is_array())
        throw Error(path, "profiles", "must be an array of hardware profiles");
    std::vector<HardwareProfile> out;
    for (const auto& p : j["profiles"]) {
        HardwareProfile h;
        h.name = text(p, "name");
        if (h.name.empty()) throw Error(path, "profiles[].name", "every profile needs a name");
        h.title = text(p, "title");
        h.measure = p.contains("measure") && p["measure"].is_boolean() && p["measure"].get<bool>();
        if (!h.measure) {
            h.peakFlops = positiveNumber(p, "peak_flops", path, h.name);
            h.memoryBandwidth = positiveNumber(p, "memory_bandwidth", path, h.name);
        }
        h.picojoulesPerFlop = positiveNumber(p, "pj_per_flop", path, h.name);
        h.picojoulesPerByte = positiveNumber(p, "pj_per_byte", path, h.name);
        h.flopsSource = text(p, "peak_flops_source");
        h.bandwidthSource = text(p, "memory_bandwidth_source");
        h.energySource = text(p, "energy_source");
        out.push_back(std::move(h));
    }
    if (out.empty()) throw Error(path, "profiles", "holds no profile");
    return out;
}

std::string findHardwareProfilesFile(const std::vector<std::string>& extraCandidates) {
    std::vector<fs::path> candidates;
    if (const char* env = std::getenv("SPARSESCOPE_HARDWARE_FILE")) candidates.emplace_back(env);
    const fs::path rel = fs::path("resources") / "hardware" / "profiles.json";
    std::error_code ec;
    const fs::path cwd = fs::current_path(ec);
    if (!ec) {
        candidates.push_back(cwd / rel);
        candidates.push_back(cwd / ".." / rel);
        candidates.push_back(cwd / ".." / ".." / rel);
    }
    for (const auto& c : extraCandidates) candidates.emplace_back(c);
    std::string tried;
    for (const auto& c : candidates) {
        if (fs::is_regular_file(c, ec)) return c.string();
        tried += "\n  " + c.string();
    }
    throw Error("resources/hardware/profiles.json", "", "the hardware profiles file was not found; looked in:" + tried);
}

const HardwareProfile& findProfile(const std::vector<HardwareProfile>& profiles, const std::string& name) {
    std::string known;
    for (const auto& p : profiles) {
        if (p.name == name) return p;
        known += (known.empty() ? "" : ", ") + p.name;
    }
    throw Error("<input>", "hardware", "unknown hardware profile '" + name + "'; known: " + known);
}

CpuMeasurement measureThisCpu(double budgetSeconds, int threads) {
    CpuMeasurement m;
    m.threads = threads > 0 ? threads : defaultThreadCount();
    const auto start = Clock::now();
    const double half = std::max(0.02, budgetSeconds / 2);

    // Compute: each thread multiplies 256 x 256 float matrices until its time is up.
    constexpr int64_t kN = 256;
    std::atomic<int64_t> products{0};
    double flopSeconds = 0;
    {
        const auto t0 = Clock::now();
        parallelFor(0, m.threads, [&](int64_t) {
            MatrixRM a = MatrixRM::Constant(kN, kN, 0.5f), b = MatrixRM::Constant(kN, kN, 0.25f), c(kN, kN);
            int64_t done = 0;
            const auto mine = Clock::now();
            do {
                c.noalias() = a * b;
                a(0, 0) = c(1, 1) * 1e-6f;  // keep the product live
                ++done;
            } while (secondsSince(mine) < half);
            products += done;
        }, 1, m.threads);
        flopSeconds = secondsSince(t0);
    }
    m.flops = double(products.load()) * 2.0 * kN * kN * kN / flopSeconds;

    // Memory: streaming sums over 256 MiB, far beyond any cache, split over the threads.
    constexpr int64_t kFloats = int64_t(64) << 20;
    std::vector<float> buffer(static_cast<size_t>(kFloats), 1.0f);
    const int64_t per = kFloats / m.threads;
    std::atomic<int64_t> bytes{0};
    double sink = 0;
    const auto t1 = Clock::now();
    int passes = 0;
    do {
        std::atomic<int64_t> checksum{0};
        parallelFor(0, m.threads, [&](int64_t t) {
            const float* p = buffer.data() + t * per;
            float acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
            for (int64_t i = 0; i + 3 < per; i += 4) {
                acc0 += p[i];
                acc1 += p[i + 1];
                acc2 += p[i + 2];
                acc3 += p[i + 3];
            }
            checksum += static_cast<int64_t>(acc0 + acc1 + acc2 + acc3);
            bytes += per * static_cast<int64_t>(sizeof(float));
        }, 1, m.threads);
        sink += double(checksum.load());
        ++passes;
    } while (secondsSince(t1) < half || passes < 2);
    m.bandwidth = double(bytes.load()) / secondsSince(t1);
    if (sink < 0) m.bandwidth = 0;  // never true; keeps the sums from being optimised away
    m.seconds = secondsSince(start);
    return m;
}

void applyMeasurement(HardwareProfile& profile, const CpuMeasurement& m) {
    profile.peakFlops = m.flops;
    profile.memoryBandwidth = m.bandwidth;
    profile.measured = true;
    profile.flopsSource = "measured in-app: float32 Eigen 256x256 matrix products on " +
                          std::to_string(m.threads) + " threads";
    profile.bandwidthSource = "measured in-app: streaming float32 sums over 256 MiB on " +
                              std::to_string(m.threads) + " threads";
}

}  // namespace sparsescope
