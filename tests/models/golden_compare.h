// Helpers for comparing our tensors to Hugging Face's golden tensors (../shared/golden/*/golden.safetensors).
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "models/safetensors.h"

namespace attune::testing {

inline std::map<std::string, torch::Tensor> load_golden(const std::filesystem::path& file) {
  std::map<std::string, torch::Tensor> out;
  for (auto& [name, t] : models::load_safetensors(file)) out[name] = t;
  return out;
}

// Largest |ours - ref| over the positions where `where` (broadcastable, bool) is true (all when undefined).
inline double max_abs_err(const torch::Tensor& ours, const torch::Tensor& ref,
                          const torch::Tensor& where = {}) {
  auto d = (ours.detach().to(torch::kDouble) - ref.to(torch::kDouble)).abs();
  if (where.defined()) d = d * where.to(torch::kDouble);
  return d.numel() ? d.max().item<double>() : 0.0;
}

// EXPECTs |ours - ref| <= atol + rtol * |ref| elementwise (where `where` is true) and returns the max abs
// error.
inline double expect_close(const std::string& what, const torch::Tensor& ours, const torch::Tensor& ref,
                           double atol, double rtol, const torch::Tensor& where = {}) {
  EXPECT_EQ(ours.sizes(), ref.sizes()) << what;
  if (ours.sizes() != ref.sizes()) return 1e30;
  auto o = ours.detach().to(torch::kDouble), r = ref.to(torch::kDouble);
  auto excess = (o - r).abs() - (atol + rtol * r.abs());
  if (where.defined()) excess = torch::where(where.expand_as(excess), excess, torch::full_like(excess, -1.0));
  const double worst = excess.numel() ? excess.max().item<double>() : -1.0;
  const double err = max_abs_err(ours, ref, where);
  EXPECT_LE(worst, 0.0) << what << ": max abs error " << err << " exceeds atol " << atol << " + rtol "
                        << rtol;
  return err;
}

// Collects the largest error per tensor family and prints them.
struct ErrorTable {
  std::map<std::string, double> worst;
  void add(const std::string& family, double err) { worst[family] = std::max(worst[family], err); }
  void print(const std::string& title) const {
    std::printf("[%s] largest |ours - HF| per tensor family:\n", title.c_str());
    for (const auto& [family, err] : worst) std::printf("  %-20s %.3g\n", family.c_str(), err);
  }
};

}  // namespace attune::testing

#include "models/encoder.h"
#include "models/loss.h"

namespace attune::testing {

// Per-tensor tolerances (golden/README.md): forward atol 1e-5 / rtol 1e-4, grads atol 1e-5 / rtol 1e-3.
constexpr double kForwardAtol = 1e-5;
constexpr double kForwardRtol = 1e-4;
constexpr double kGradAtol = 1e-5;
constexpr double kGradRtol = 1e-3;

// Checks a loaded base model against a golden.safetensors of the base-model scheme: logits,
// pooled_output, last_hidden_state, hidden_states.i and attentions.i on real rows, the train-mode loss,
// and grad.<name> for every parameter. Prints the largest error per family.
inline void check_golden_base_model(models::SequenceClassifier& model,
                                    const std::map<std::string, torch::Tensor>& g, bool pass_token_type_ids,
                                    const std::string& title) {
  const auto& ids = g.at("input_ids");
  const auto& mask = g.at("attention_mask");
  const auto types = pass_token_type_ids ? g.at("token_type_ids") : torch::Tensor();
  const auto real_tokens = mask.to(torch::kBool).unsqueeze(-1);                              // [B, T, 1]
  const auto real_queries = mask.to(torch::kBool).view({mask.size(0), 1, mask.size(1), 1});  // [B, 1, T, 1]
  ErrorTable table;

  model.eval();
  {
    torch::NoGradGuard no_grad;
    auto out = model.forward(ids, mask, types, {/*output_hidden_states=*/true, /*output_attentions=*/true});
    table.add("logits", expect_close("logits", out.logits, g.at("logits"), kForwardAtol, kForwardRtol));
    table.add("pooled_output", expect_close("pooled_output", out.pooled_output, g.at("pooled_output"),
                                            kForwardAtol, kForwardRtol));
    table.add("last_hidden_state",
              expect_close("last_hidden_state", out.last_hidden_state, g.at("last_hidden_state"),
                           kForwardAtol, kForwardRtol, real_tokens));
    size_t n_hidden = 0, n_attn = 0;
    while (g.count("hidden_states." + std::to_string(n_hidden))) ++n_hidden;
    while (g.count("attentions." + std::to_string(n_attn))) ++n_attn;
    ASSERT_EQ(out.hidden_states.size(), n_hidden);
    ASSERT_EQ(out.attentions.size(), n_attn);
    for (size_t i = 0; i < n_hidden; ++i) {
      const auto key = "hidden_states." + std::to_string(i);
      table.add("hidden_states",
                expect_close(key, out.hidden_states[i], g.at(key), kForwardAtol, kForwardRtol, real_tokens));
      table.add("hidden_states(pad rows)", max_abs_err(out.hidden_states[i], g.at(key)));
    }
    for (size_t i = 0; i < n_attn; ++i) {
      const auto key = "attentions." + std::to_string(i);
      table.add("attentions",
                expect_close(key, out.attentions[i], g.at(key), kForwardAtol, kForwardRtol, real_queries));
      table.add("attentions(pad rows)", max_abs_err(out.attentions[i], g.at(key)));
    }
  }

  model.train();
  model.zero_grad();
  auto out = model.forward(ids, mask, types);
  auto loss = models::classification_loss(out.logits, g.at("labels"));
  table.add("loss", expect_close("loss", loss, g.at("loss"), kForwardAtol, kForwardRtol));
  loss.backward();
  size_t n_grads = 0;
  for (const auto& item : model.named_parameters()) {
    const auto key = "grad." + item.key();
    ASSERT_TRUE(g.count(key)) << "golden has no " << key;
    ASSERT_TRUE(item.value().grad().defined()) << item.key() << " got no gradient";
    table.add("grads", expect_close(key, item.value().grad(), g.at(key), kGradAtol, kGradRtol));
    ++n_grads;
  }
  size_t golden_grads = 0;
  for (const auto& kv : g) golden_grads += kv.first.rfind("grad.", 0) == 0;
  EXPECT_EQ(n_grads, golden_grads) << "every golden gradient must belong to a parameter of ours";
  table.print(title);
}

}  // namespace attune::testing
