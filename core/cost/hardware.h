#pragma once
// Hardware profiles for the roofline estimates: peak FLOP/s, memory bandwidth and
// energy per FLOP and per byte, read from resources/hardware/profiles.json, where each
// figure cites its source. A profile marked "measure" (this CPU) gets its FLOP/s and
// bandwidth from a short micro-benchmark run in-app. Every derived figure is an
// estimate, and says so wherever it is shown.
#include <string>
#include <vector>

namespace sparsescope {

struct HardwareProfile {
    std::string name;            // "h100-sxm", "laptop-m2", "cpu"
    std::string title;
    double peakFlops = 0;        // FLOP/s the roofline uses
    double memoryBandwidth = 0;  // bytes/s
    double picojoulesPerFlop = 0;
    double picojoulesPerByte = 0;
    std::string flopsSource, bandwidthSource, energySource;
    bool measure = false;        // figures come from measureThisCpu()
    bool measured = false;       // ... and have been measured
};

// Throws Error naming the file and the field for a missing file, bad JSON, a
// missing or non-positive figure.
std::vector<HardwareProfile> loadHardwareProfiles(const std::string& path);

// $SPARSESCOPE_HARDWARE_FILE, then resources/hardware/profiles.json next to (or
// above) the working directory, then the extra candidates. Throws Error listing them.
std::string findHardwareProfilesFile(const std::vector<std::string>& extraCandidates = {});

// The profile called `name`; throws Error listing the known names.
const HardwareProfile& findProfile(const std::vector<HardwareProfile>& profiles, const std::string& name);

struct CpuMeasurement {
    double flops = 0;      // FLOP/s, float32 matrix products on every thread
    double bandwidth = 0;  // bytes/s, streaming reads on every thread
    int threads = 0;
    double seconds = 0;    // how long the measurement took
};

// A short micro-benchmark (about `budgetSeconds`): Eigen float matrix products and a
// streaming sum over a buffer much larger than the caches, on `threads` threads
// (0 = all). Re-entrant; allocates about 256 MiB for the bandwidth part.
CpuMeasurement measureThisCpu(double budgetSeconds = 0.4, int threads = 0);

// Fills a "measure" profile's peakFlops and memoryBandwidth from a measurement.
void applyMeasurement(HardwareProfile& profile, const CpuMeasurement& m);

}  // namespace sparsescope
