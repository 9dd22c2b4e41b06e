#pragma once
// The text samples shipped in samples/, described by samples/manifest.json:
//
//   [ { "id": "legal-gpl3", "title": "...", "file": "legal_gpl3.txt", "kind": "legal",
//       "description": "...", "source": "...", "licence": "...",
//       "generator": { "type": "passkey", "filler_units": 70, "depth": 0.5, "seed": 1 } },
//     ... ]
//
// "generator" is optional. With one, the text is made by core/workload/passkey.h at
// load time (so the same task can be remade at any length), and "file" holds a stored
// copy of the same text for readers and other tools. Generator types:
//   passkey:  filler_units (int >= 0), depth (number in [0, 1]), seed (int >= 0)
//   keyvalue: pairs (int 1..9000), query_index (int 0..pairs-1), seed (int >= 0)
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sparsescope {

struct SampleGenerator {
    std::string type;     // "passkey" or "keyvalue"
    uint64_t seed = 0;
    int fillerUnits = 0;  // passkey
    double depth = 0.0;   // passkey
    int pairs = 0;        // keyvalue
    int queryIndex = 0;   // keyvalue
};

struct SampleInfo {
    std::string id;  // unique within the manifest
    std::string title;
    std::string file;  // relative to the samples folder; no "..", not absolute
    std::string kind;  // legal, code, prose, structured, dialogue, passkey, keyvalue, ...
    std::string description;
    std::string source;
    std::string licence;
    std::optional<SampleGenerator> generator;
};

// Parses and validates the manifest. Any problem throws
// Error(manifestPath, "[index].field", what was expected).
std::vector<SampleInfo> loadSampleManifest(const std::string& manifestPath);

// The sample's text: generated (prompt + answer) when it has a generator, otherwise
// the contents of samplesDir/file. A missing or unreadable file throws
// Error(that path, "file", ...).
std::string loadSampleText(const SampleInfo& sample, const std::string& samplesDir);

}  // namespace sparsescope
