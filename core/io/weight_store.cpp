// WeightStore: the tensors of a Hugging Face model folder, single-file or sharded.
#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/common/error.h"
#include "core/io/file_util.h"
#include "core/io/safetensors.h"

namespace sparsescope {

namespace fs = std::filesystem;

namespace {

// Shard names come from the index file: only plain file names inside the folder,
// so a hostile index cannot point the loader at files elsewhere.
void checkShardName(const std::string& shard, const std::string& indexPath) {
    if (shard.empty() || shard.find('/') != std::string::npos ||
        shard.find('\\') != std::string::npos || shard == "." || shard == "..") {
        throw Error(indexPath, "weight_map",
                    "shard name '" + shard + "' must be a plain file name in the model folder");
    }
}

}  // namespace

WeightStore::WeightStore(const std::string& modelDir) : dir_(modelDir) {
    std::error_code ec;
    const fs::path dir(modelDir);
    if (fs::is_regular_file(dir, ec)) {  // a lone .safetensors file
        source_ = modelDir;
        files_.push_back(std::make_unique<SafetensorsFile>(modelDir));
    } else if (!fs::is_directory(dir, ec)) {
        throw Error(modelDir, "", "model folder does not exist");
    } else if (fs::exists(dir / "model.safetensors.index.json", ec)) {
        source_ = (dir / "model.safetensors.index.json").string();
        const std::vector<uint8_t> bytes = readFileBytes(source_);
        nlohmann::json index;
        try {
            index = nlohmann::json::parse(bytes.begin(), bytes.end());
        } catch (const nlohmann::json::exception& e) {
            throw Error(source_, "", std::string("not valid JSON: ") + e.what());
        }
        if (!index.is_object() || !index.contains("weight_map") ||
            !index["weight_map"].is_object()) {
            throw Error(source_, "weight_map", "missing, or not an object of tensor: shard");
        }
        std::map<std::string, size_t> shardIndex;
        for (const auto& [tensor, shard] : index["weight_map"].items()) {
            if (!shard.is_string()) {
                throw Error(source_, tensor, "weight_map value is not a shard file name");
            }
            const std::string shardName = shard.get<std::string>();
            checkShardName(shardName, source_);
            auto it = shardIndex.find(shardName);
            if (it == shardIndex.end()) {
                const fs::path shardPath = dir / shardName;
                if (!fs::is_regular_file(shardPath, ec)) {
                    throw Error(shardPath.string(), "",
                                "shard listed in model.safetensors.index.json is missing");
                }
                files_.push_back(std::make_unique<SafetensorsFile>(shardPath.string()));
                it = shardIndex.emplace(shardName, files_.size() - 1).first;
            }
            if (!files_[it->second]->has(tensor)) {
                throw Error(files_[it->second]->path(), tensor,
                            "listed in model.safetensors.index.json but missing from this shard");
            }
            fileOf_[tensor] = it->second;
        }
    } else if (fs::exists(dir / "model.safetensors", ec)) {
        source_ = (dir / "model.safetensors").string();
        files_.push_back(std::make_unique<SafetensorsFile>(source_));
    } else {
        throw Error(modelDir, "model.safetensors",
                    "missing: the folder has neither model.safetensors nor "
                    "model.safetensors.index.json");
    }
    // Tensors a shard holds but the index does not list are still served.
    for (size_t f = 0; f < files_.size(); ++f)
        for (const std::string& name : files_[f]->names()) fileOf_.emplace(name, f);
}

WeightStore::~WeightStore() = default;

size_t WeightStore::indexOf(const std::string& name) const {
    const auto it = fileOf_.find(name);
    if (it == fileOf_.end()) throw Error(source_, name, "missing tensor");
    return it->second;
}

bool WeightStore::has(const std::string& name) const { return fileOf_.count(name) > 0; }

const StTensorInfo& WeightStore::info(const std::string& name) const {
    return files_[indexOf(name)]->info(name);
}

const std::string& WeightStore::fileOf(const std::string& name) const {
    return files_[indexOf(name)]->path();
}

std::vector<float> WeightStore::load(const std::string& name,
                                     const std::vector<int64_t>& expectedShape) const {
    const SafetensorsFile& file = *files_[indexOf(name)];
    const StTensorInfo& t = file.info(name);
    if (!expectedShape.empty() && expectedShape != t.shape) {
        auto text = [](const std::vector<int64_t>& s) {
            std::string out = "[";
            for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
            return out + "]";
        };
        throw Error(file.path(), name,
                    "shape " + text(t.shape) + " in the file, expected " + text(expectedShape));
    }
    return file.toFloat32(name);
}

std::vector<std::string> WeightStore::names() const {
    std::vector<std::string> out;
    out.reserve(fileOf_.size());
    for (const auto& [name, file] : fileOf_) out.push_back(name);
    return out;
}

std::string WeightStore::storedDtype() const {
    std::map<std::string, uint64_t> elements;
    for (const auto& [name, f] : fileOf_) {
        const StTensorInfo& t = files_[f]->info(name);
        elements[stDtypeName(t.dtype)] += static_cast<uint64_t>(t.numel());
    }
    std::string best;
    uint64_t most = 0;
    for (const auto& [dtype, count] : elements) {
        if (best.empty() || count > most) {
            best = dtype;
            most = count;
        }
    }
    return best;
}

}  // namespace sparsescope
