// Bad model folders and bad inputs: each gives a sparsescope::Error that names
// the file and the field or tensor, never a crash. Folders are a tiny model
// written here and, when the golden fixtures exist, a copy of the first golden
// model, damaged one way per case.
#include "core/common/error.h"
#include "core/model/evaluation.h"
#include "core/model/model.h"
#include "tiny_model_writer.h"

#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>

using namespace sparsescope;
namespace fs = std::filesystem;

namespace {

const std::string kGoldenModels = std::string(SPARSESCOPE_SOURCE_DIR) + "/tests/golden/models";

nlohmann::json readJson(const fs::path& p) { return nlohmann::json::parse(std::ifstream(p)); }
void writeJson(const fs::path& p, const nlohmann::json& j) { std::ofstream(p) << j.dump(2); }

// The single weights file of a folder (the first shard for a sharded checkpoint).
fs::path weightsFile(const fs::path& dir) {
    if (fs::exists(dir / "model.safetensors")) return dir / "model.safetensors";
    const nlohmann::json index = readJson(dir / "model.safetensors.index.json");
    return dir / index["weight_map"].begin().value().get<std::string>();
}

// Rewrites one safetensors file with `edit` applied to its header JSON (data kept).
void editHeader(const fs::path& file, const std::function<void(nlohmann::json&)>& edit) {
    std::ifstream in(file, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    uint64_t len = 0;
    std::memcpy(&len, bytes.data(), 8);
    nlohmann::json header = nlohmann::json::parse(std::string(bytes.data() + 8, len));
    edit(header);
    std::string h = header.dump();
    while (h.size() % 8) h += ' ';
    const uint64_t newLen = h.size();
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(&newLen), 8);
    out.write(h.data(), static_cast<std::streamsize>(h.size()));
    out.write(bytes.data() + 8 + len, static_cast<std::streamsize>(bytes.size() - 8 - len));
}

}  // namespace

class TestModelErrors : public QObject {
    Q_OBJECT

    // Source folders: the tiny model, plus the first golden model when present.
    QTemporaryDir tinyDir_;
    std::vector<std::string> sources_;

    void copyFolder(const std::string& from, const fs::path& to) {
        fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    }

    // Loads `dir` expecting an Error whose message contains every piece of `mustMention`.
    void expectLoadError(const fs::path& dir, const std::vector<std::string>& mustMention) {
        try {
            Model::load(dir.string());
            QFAIL("loaded a damaged model folder without an error");
        } catch (const Error& e) {
            const std::string what = e.what();
            for (const std::string& m : mustMention)
                QVERIFY2(what.find(m) != std::string::npos, qPrintable(QString::fromStdString(what + "  [missing: " + m + "]")));
        }
    }

private slots:
    void initTestCase() {
        tinymodel::Spec s;
        s.arch = "llama";
        tinymodel::Writer(s).write(tinyDir_.path().toStdString());
        sources_.push_back(tinyDir_.path().toStdString());
        if (fs::is_directory(kGoldenModels)) {
            std::vector<std::string> golden;
            for (const auto& e : fs::directory_iterator(kGoldenModels))
                if (fs::exists(e.path() / "config.json")) golden.push_back(e.path().string());
            std::sort(golden.begin(), golden.end());
            if (!golden.empty()) sources_.push_back(golden.front());
        }
    }

    void damagedFolders_data() {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("damage");
        const char* damages[] = {"no config", "no tokenizer", "no weights", "unsupported architecture",
                                 "missing tensor", "config disagrees", "tensor shape disagrees",
                                 "truncated safetensors", "header claims more bytes", "garbage header",
                                 "not a folder"};
        for (const std::string& src : sources_)
            for (const char* d : damages)
                QTest::newRow((fs::path(src).filename().string() + ": " + d).c_str())
                    << QString::fromStdString(src) << QString(d);
    }
    void damagedFolders() {
        QFETCH(QString, source);
        QFETCH(QString, damage);
        QTemporaryDir tmp;
        const fs::path dir = fs::path(tmp.path().toStdString()) / "model";
        copyFolder(source.toStdString(), dir);
        const nlohmann::json config = readJson(dir / "config.json");
        const bool gpt2 = config.value("model_type", "") == "gpt2";
        const fs::path weights = weightsFile(dir);

        if (damage == "no config") {
            fs::remove(dir / "config.json");
            expectLoadError(dir, {"config.json", "missing"});
        } else if (damage == "no tokenizer") {
            fs::remove(dir / "tokenizer.json");
            expectLoadError(dir, {"tokenizer.json", "missing"});
        } else if (damage == "no weights") {
            for (const auto& e : fs::directory_iterator(dir))
                if (e.path().string().find(".safetensors") != std::string::npos) fs::remove(e.path());
            expectLoadError(dir, {"model.safetensors", "missing"});
        } else if (damage == "unsupported architecture") {
            nlohmann::json c = config;
            c["architectures"] = {"FalconForCausalLM"};
            writeJson(dir / "config.json", c);
            expectLoadError(dir, {"config.json", "architectures", "FalconForCausalLM"});
        } else if (damage == "missing tensor") {
            std::string victim;
            editHeader(weights, [&](nlohmann::json& h) {
                for (auto it = h.begin(); it != h.end(); ++it)
                    if (it.key().find(gpt2 ? "c_fc.weight" : "up_proj.weight") != std::string::npos) {
                        victim = it.key();
                        h.erase(it);
                        break;
                    }
            });
            if (victim.empty()) QSKIP("this shard holds no MLP weight to remove");
            if (fs::exists(dir / "model.safetensors.index.json")) {
                nlohmann::json index = readJson(dir / "model.safetensors.index.json");
                index["weight_map"].erase(victim);
                writeJson(dir / "model.safetensors.index.json", index);
            }
            expectLoadError(dir, {victim, "missing"});
        } else if (damage == "config disagrees") {
            // intermediate size off by 8: the first MLP tensor has the wrong shape.
            nlohmann::json c = config;
            const char* key = gpt2 ? "n_inner" : "intermediate_size";
            const int64_t inter = c.contains(key) && !c[key].is_null() ? c[key].get<int64_t>()
                                                                      : 4 * c["n_embd"].get<int64_t>();
            c[key] = inter + 8;
            writeJson(dir / "config.json", c);
            expectLoadError(dir, {gpt2 ? "mlp.c_fc.weight" : "mlp.", "shape", std::to_string(inter + 8),
                                  std::to_string(inter)});
        } else if (damage == "tensor shape disagrees") {
            // A header that reshapes one tensor (same byte count, other shape).
            std::string victim;
            editHeader(weights, [&](nlohmann::json& h) {
                for (auto it = h.begin(); it != h.end(); ++it) {
                    // lm_head is not read when the embeddings are tied.
                    if (it.key() == "__metadata__" || it.key() == "lm_head.weight" ||
                        it.value()["shape"].size() != 2)
                        continue;
                    victim = it.key();
                    auto& shape = it.value()["shape"];
                    shape = {shape[0].get<int64_t>() * shape[1].get<int64_t>()};
                    break;
                }
            });
            expectLoadError(dir, {victim, "shape"});
        } else if (damage == "truncated safetensors") {
            fs::resize_file(weights, fs::file_size(weights) / 2);
            expectLoadError(dir, {weights.filename().string()});
        } else if (damage == "header claims more bytes") {
            std::fstream f(weights, std::ios::binary | std::ios::in | std::ios::out);
            const uint64_t huge = uint64_t(1) << 40;
            f.write(reinterpret_cast<const char*>(&huge), 8);
            f.close();
            expectLoadError(dir, {weights.filename().string()});
        } else if (damage == "garbage header") {
            std::fstream f(weights, std::ios::binary | std::ios::in | std::ios::out);
            f.seekp(8);
            f.write("#garbage", 8);
            f.close();
            expectLoadError(dir, {weights.filename().string()});
        } else if (damage == "not a folder") {
            expectLoadError(dir / "nothing-here", {"nothing-here"});
        }
    }

    void badInputs() {
        const std::unique_ptr<Model> model = Model::load(sources_.front());
        const ModelConfig& c = model->config();
        auto expectInputError = [&](const std::vector<int32_t>& ids, const ForwardOptions& opts, const char* field) {
            try {
                model->forward(ids, opts);
                QFAIL("no error");
            } catch (const Error& e) {
                QCOMPARE(e.source(), std::string("<input>"));
                QCOMPARE(e.field(), std::string(field));
            }
        };
        const ForwardOptions plain;
        expectInputError({}, plain, "ids");
        expectInputError(std::vector<int32_t>(size_t(c.maxPositions + 1), 1), plain, "ids");
        expectInputError({1, int32_t(c.vocabSize)}, plain, "ids");
        expectInputError({1, -1}, plain, "ids");
        ForwardOptions layers;
        PatternSpec window;
        window.window = 2;
        layers.pattern = &window;
        layers.sparseLayers = {int(c.layers)};
        expectInputError({1, 2}, layers, "sparseLayers");
        ForwardOptions badPattern;
        PatternSpec negative;
        negative.window = -3;
        badPattern.pattern = &negative;
        QVERIFY_THROWS_EXCEPTION(Error, model->forward({1, 2}, badPattern));
        // Exactly max positions is fine.
        const std::vector<int32_t> full(size_t(c.maxPositions), 3);
        QCOMPARE(model->forward(full).logits.rows(), c.maxPositions);
        // Evaluation needs a next token to predict.
        QVERIFY_THROWS_EXCEPTION(Error, evaluateSparse(*model, {5}, window));
    }
};

QTEST_APPLESS_MAIN(TestModelErrors)
#include "test_model_errors.moc"
