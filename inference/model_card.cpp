#include "inference/model_card.h"

#include <iomanip>
#include <sstream>

#include "base/file_io.h"
#include "inference/attack_names.h"

namespace attune::inference {

namespace {

using nlohmann::json;

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

std::string number(const json& v, int digits = 4) {
  return v.is_number() ? fixed(v.get<double>(), digits) : std::string("—");
}

std::string count(double v) {
  return v == static_cast<double>(static_cast<long long>(v)) ? std::to_string(static_cast<long long>(v))
                                                             : fixed(v, 1);
}

std::string percent(const json& v) {
  return v.is_number() ? fixed(100 * v.get<double>(), 2) + " %" : std::string("—");
}

// A report_json-shaped object (labels, confusion_matrix, per_class, macro_avg, weighted_avg, accuracy) as
// Markdown: the classification report, then the confusion matrix (rows actual, columns predicted).
std::string report_markdown(const json& r) {
  std::ostringstream o;
  if (!r.contains("labels") || !r.contains("per_class")) return "(not in the run's results)\n";
  const auto labels = r["labels"].get<std::vector<std::string>>();
  o << "| label | precision | recall | f1-score | support |\n|---|---|---|---|---|\n";
  for (const auto& l : labels) {
    const auto& c = r["per_class"][l];
    o << "| " << l << " | " << number(c["precision"]) << " | " << number(c["recall"]) << " | "
      << number(c["f1-score"]) << " | " << count(c["support"].get<double>()) << " |\n";
  }
  for (const char* avg : {"macro_avg", "weighted_avg"}) {
    const auto& c = r[avg];
    o << "| " << (std::string(avg) == "macro_avg" ? "macro avg" : "weighted avg") << " | "
      << number(c["precision"]) << " | " << number(c["recall"]) << " | " << number(c["f1-score"]) << " | "
      << count(c["support"].get<double>()) << " |\n";
  }
  o << "\nAccuracy " << number(r["accuracy"])
    << ". Confusion matrix (rows actual, columns predicted):\n\n| |";
  for (const auto& l : labels) o << " " << l << " |";
  o << "\n|---|";
  for (std::size_t i = 0; i < labels.size(); ++i) o << "---|";
  o << "\n";
  const auto& m = r["confusion_matrix"];
  for (std::size_t i = 0; i < labels.size() && i < m.size(); ++i) {
    o << "| **" << labels[i] << "** |";
    for (const auto& v : m[i]) o << " " << count(v.get<double>()) << " |";
    o << "\n";
  }
  return o.str();
}

std::string real_line(const json& d) {
  const auto& b = d["benign"];
  const auto& a = d["attacks"];
  return "benign false alarms " + count(b["flagged"].get<double>()) + " of " +
         count(b["rows"].get<double>()) + " (" + percent(b["flagged_rate"]) + "); attacks flagged " +
         count(a["flagged"].get<double>()) + " of " + count(a["rows"].get<double>()) + " (" +
         percent(a["flagged_rate"]) + "), with the exact technique " + count(a["exact"].get<double>()) +
         " (" + percent(a["exact_rate"]) + ")";
}

}  // namespace

std::string model_card(const ModelCardInput& in) {
  const json& s = in.summary;
  const json& settings = in.settings;
  const auto& pre = in.preprocessing;
  const std::string model_type = settings.value("model_type", "transformer");
  const bool transformer = model_type == "transformer";
  const std::string method = settings.value("method", "");
  const json backbone = s.value("backbone", json::object());
  const std::string backbone_name = backbone.value("name", "");
  const std::string how = backbone.value("how", "");
  const bool embedded = how.rfind("embedded", 0) == 0;
  // A base_model the Hub can resolve: the configured Hugging Face name, when that is what was used.
  const bool hub_base = transformer && !embedded && how != "random-init" &&
                        backbone_name.find('/') != std::string::npos && backbone_name[0] != '/' &&
                        backbone_name[0] != '.';
  std::ostringstream o;
  o << "---\n";
  o << "library_name: " << (transformer ? (in.dir_kind == "adapter" ? "peft" : "transformers") : "attune")
    << "\n";
  if (hub_base) o << "base_model: " << backbone_name << "\n";
  o << "pipeline_tag: text-classification\n";
  o << "tags:\n  - attune\n  - mitre-attack\n  - cybersecurity\n  - command-line\n";
  if (transformer) o << "  - " << method << "\n";
  if (!transformer) o << "  - " << model_type << "\n";
  o << "metrics:\n  - accuracy\n  - f1\n";
  o << "---\n\n";

  const auto& labels = pre.labels;
  o << "# ATT&CK technique classifier (" << (transformer ? backbone_name + " + " + method : model_type)
    << ")\n\n";
  o << "Tells which MITRE ATT&CK technique a command line shows, among " << labels.size()
    << " labels. Trained by attune; this card is written from the run's own results files "
       "(`run_summary.json`, `test_report.json`).\n\n";
  o << "## Labels\n\n| id | label | ATT&CK |\n|---|---|---|\n";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const std::string name = attack_name(labels[i]);
    o << "| " << i << " | " << labels[i] << " | " << (name.empty() ? "—" : name) << " |\n";
  }

  o << "\n## Backbone\n\n";
  if (!transformer) {
    o << "None: a " << (model_type == "tfidf_logreg" ? "TF-IDF + logistic-regression" : "LSTM")
      << " model fitted from scratch on the training split, its vocabulary too (`"
      << (model_type == "tfidf_logreg" ? "tfidf_vectorizer.json" : "word_index.json") << "`).\n";
  } else {
    o << "`" << backbone_name << "` (" << how;
    if (backbone.contains("sha256") && backbone["sha256"].is_string())
      o << ", weights sha256 `" << backbone["sha256"].get<std::string>() << "`";
    o << ").";
    if (embedded)
      o << " The configured checkpoint was not on the training machine, so attune's own embedded backbone "
           "(a compact encoder attune pretrains itself) was used in its place: the figures below are those "
           "of "
           "that backbone, not of the configured one.";
    o << "\n";
  }

  o << "\n## Results\n\n";
  if (s.contains("test")) {
    const auto& t = s["test"];
    o << "### Test split (" << count(t.value("rows", 0.0)) << " rows"
      << (t.value("weighted", false) ? "; supports and averages count observations" : "") << ")\n\n";
    o << report_markdown(t);
    if (t.contains("operating_point")) {
      o << "\nAt the operating point:\n\n" << report_markdown(t["operating_point"]);
    }
  }
  if (s.contains("stress")) {
    o << "\n### Stress set\n\nAccuracy " << number(s["stress"]["accuracy"]) << ", macro F1 "
      << number(s["stress"]["macro_avg"]["f1-score"]) << " over " << count(s["stress"].value("rows", 0.0))
      << " rows";
    if (s["stress"].contains("operating_point"))
      o << "; at the operating point accuracy " << number(s["stress"]["operating_point"]["accuracy"]);
    o << ".\n";
  }
  if (s.contains("real_data")) {
    const auto& r = s["real_data"];
    o << "\n### Real-data proxy\n\nReal command lines none of which was trained on";
    if (r.contains("files")) {
      o << " (";
      bool first = true;
      for (const auto& f : r["files"]) {
        o << (first ? "" : ", ") << "`" << std::filesystem::path(f.get<std::string>()).filename().string()
          << "`";
        first = false;
      }
      o << ")";
    }
    o << ":\n\n- argmax: " << real_line(r["argmax"]) << "\n";
    if (r.contains("operating_point"))
      o << "- at the operating point: " << real_line(r["operating_point"]) << "\n";
  }
  o << "\n### Calibration and decision rule\n\nProbabilities are softmax(logits / T) with T = "
    << fixed(pre.temperature, 4) << " fitted on the validation split.";
  if (pre.operating_point) {
    const auto& op = *pre.operating_point;
    o << " Operating point: the label is " << op.benign_label << " unless 1 − p(" << op.benign_label << ") ≥ "
      << fixed(op.threshold, 6) << ", then the most probable attack label (chosen on validation for "
      << "at most " << op.max_benign_fpr << " benign false alarms: benign FPR "
      << fixed(op.validation_benign_fpr, 6) << ", attack recall " << fixed(op.validation_attack_recall, 4)
      << " there). attune's `predict`, `serve` and `evaluate` apply it; other tools see raw logits and must "
         "apply T and the threshold themselves.";
  } else {
    o << " No operating point: the label is the argmax.";
  }
  o << "\n";

  o << "\n## Training\n\n";
  if (settings.contains("data")) o << "- data: " << settings["data"].get<std::string>() << "\n";
  if (transformer) {
    o << "- method: " << method;
    if (settings.contains("peft") && !settings["peft"].is_null())
      o << " (" << settings["peft"].get<std::string>() << ")";
    o << "\n";
  }
  if (settings.contains("training")) o << "- " << settings["training"].get<std::string>() << "\n";
  o << "- preprocessing: " << (pre.lowercase ? "lower-cased text, " : "text as is, ") << "at most "
    << pre.max_length
    << (transformer            ? " tokens"
        : model_type == "lstm" ? " words"
                               : " terms")
    << "\n";
  if (s.contains("train_seconds"))
    o << "- cost: " << fixed(s["train_seconds"].get<double>(), 1) << " s of training ("
      << s.value("epochs_completed", 0) << (model_type == "tfidf_logreg" ? " fit" : " epochs")
      << (s.value("stopped_early", false) ? ", stopped early" : "") << "), " << s.value("num_threads", 0)
      << " thread(s), peak RSS " << fixed(s.value("peak_rss_mib", 0.0), 0) << " MiB, "
      << fixed(s.value("wall_seconds", 0.0), 1) << " s for the whole run\n";
  if (s.contains("logreg"))
    o << "- C " << s["logreg"]["C"].get<double>() << " chosen by cross-validation; the final fit "
      << (s["logreg"].value("converged", false) ? "converged" : "did not converge") << "\n";

  o << "\n## Use\n\nWith attune:\n\n```sh\npredict --model THIS_DIR --text 'reg save hklm\\sam "
       "c:\\temp\\s.hiv'\n"
    << "serve --model THIS_DIR --port 8080\n```\n";
  if (transformer && in.dir_kind == "merged") {
    o << "\nWith transformers (Python):\n\n```python\nfrom transformers import AutoTokenizer, "
         "AutoModelForSequenceClassification\nimport torch\n\n"
         "tokenizer = AutoTokenizer.from_pretrained(\"THIS_DIR\")\n"
         "model = AutoModelForSequenceClassification.from_pretrained(\"THIS_DIR\").eval()\n"
      << "text = \"...\"" << (pre.lowercase ? ".lower()  # the model was trained on lower-cased text" : "")
      << "\nbatch = tokenizer(text, truncation=True, max_length=" << pre.max_length
      << ", return_tensors=\"pt\")\n"
      << "probabilities = torch.softmax(model(**batch).logits / " << fixed(pre.temperature, 4)
      << ", dim=-1)\n"
      << "print(model.config.id2label[int(probabilities.argmax())])\n```\n";
  } else if (transformer) {
    o << "\nWith PEFT (Python): "
         "`PeftModel.from_pretrained(AutoModelForSequenceClassification.from_pretrained("
         "BASE, num_labels="
      << labels.size() << "), \"THIS_DIR\")`; the labels are above (the adapter files do not carry them).\n";
  } else {
    o << "\nThis model kind (`" << model_type << "`) is attune's own: Hugging Face has no class for it.\n";
  }

  o << "\n## Limitations\n\n"
       "- Trained on attune's generated data sets: templates written from an understanding of each technique "
       "plus real benign command lines of Debian packages. The generated test split shares templates with "
       "training; the real-data proxy and any held-out-template run are the better guide to new data.\n"
       "- It labels one command line at a time, without process tree, user or host context, and only among "
       "the labels above: anything else is forced into one of them.\n"
       "- It is a detector's first stage: review what it flags.\n";
  return o.str();
}

void write_model_card(const std::filesystem::path& dir, const ModelCardInput& input) {
  write_file_atomic(dir / "README.md", model_card(input));
}

}  // namespace attune::inference
