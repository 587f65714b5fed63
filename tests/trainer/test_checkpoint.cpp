// trainer/checkpoint.cpp: a checkpoint restores trainable weights, AdamW moments, torch's generator and the
// trainer state exactly; the swap keeps a whole checkpoint at every moment; resume_from_checkpoint names.
#include "trainer/checkpoint.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "base/errors.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
using attune::trainer::TrainerState;

// Two Linear layers, the first frozen (as a LoRA/BitFit base is).
struct NetImpl : torch::nn::Module {
  NetImpl()
      : frozen(register_module("frozen", torch::nn::Linear(4, 3))),
        head(register_module("head", torch::nn::Linear(3, 2))) {
    frozen->weight.set_requires_grad(false);
    frozen->bias.set_requires_grad(false);
  }
  torch::Tensor forward(const torch::Tensor& x) {
    return head(torch::tanh(frozen(x)));
  }  // x: [B, 4] -> [B, 2]
  torch::nn::Linear frozen, head;
};
TORCH_MODULE(Net);

std::vector<torch::Tensor> trainable(Net& net) {
  return {net->head->weight, net->head->bias};
}

// One AdamW step on a fixed batch.
void step(Net& net, torch::optim::AdamW& opt) {
  opt.zero_grad();
  const auto x = torch::linspace(-1, 1, 8).reshape({2, 4});
  net->forward(x).pow(2).sum().backward();
  opt.step();
}

TEST(Checkpoint, RoundTripRestoresWeightsOptimizerRngAndState) {
  const fs::path dir = attune::testing::temp_dir("checkpoint-roundtrip");
  torch::manual_seed(1);
  Net a;
  torch::optim::AdamW opt_a(trainable(a), torch::optim::AdamWOptions(1e-2));
  step(a, opt_a);
  step(a, opt_a);
  TrainerState state;
  state.epochs_completed = 2;
  state.global_step = 17;
  state.train_seconds = 1.5;
  state.train_samples = 272;
  state.labels = {"Benign", "T1003.002"};
  const auto best = attune::trainer::trainable_snapshot(*a);
  torch::manual_seed(7);
  attune::trainer::save_checkpoint(dir, *a, opt_a, state, best);
  const auto draw_after_save = torch::rand({5});  // what the generator gives next

  torch::manual_seed(2);  // other weights, other generator state
  Net b;
  torch::optim::AdamW opt_b(trainable(b), torch::optim::AdamWOptions(1e-2));
  const auto frozen_before = b->frozen->weight.clone();
  ASSERT_FALSE(torch::equal(a->head->weight, b->head->weight));
  TrainerState loaded;
  const auto dirpath = attune::trainer::find_checkpoint(dir);
  ASSERT_EQ(dirpath, dir / "checkpoint");
  const auto loaded_best = attune::trainer::load_checkpoint(dirpath, *b, opt_b, loaded);

  EXPECT_TRUE(torch::equal(a->head->weight, b->head->weight));
  EXPECT_TRUE(torch::equal(a->head->bias, b->head->bias));
  EXPECT_TRUE(torch::equal(b->frozen->weight, frozen_before)) << "frozen weights are not in a checkpoint";
  EXPECT_TRUE(torch::equal(torch::rand({5}), draw_after_save)) << "generator state not restored";
  // The best weights by name (the file keeps them sorted by name).
  ASSERT_EQ(loaded_best.size(), best.size());
  for (const auto& [name, value] : best) {
    const auto it =
        std::find_if(loaded_best.begin(), loaded_best.end(), [&](const auto& p) { return p.first == name; });
    ASSERT_NE(it, loaded_best.end()) << name;
    EXPECT_TRUE(torch::equal(it->second, value)) << name;
  }
  EXPECT_EQ(loaded.epochs_completed, 2);
  EXPECT_EQ(loaded.global_step, 17);
  EXPECT_EQ(loaded.train_seconds, 1.5);
  EXPECT_EQ(loaded.train_samples, 272);
  EXPECT_EQ(loaded.labels, state.labels);

  // The moments came back: the next step is the same on both (a fresh AdamW would step differently).
  b->frozen->weight.data().copy_(a->frozen->weight);
  b->frozen->bias.data().copy_(a->frozen->bias);
  step(a, opt_a);
  step(b, opt_b);
  EXPECT_TRUE(torch::equal(a->head->weight, b->head->weight));
}

TEST(Checkpoint, SwapAlwaysLeavesAWholeCheckpoint) {
  const fs::path dir = attune::testing::temp_dir("checkpoint-swap");
  Net net;
  torch::optim::AdamW opt(trainable(net), torch::optim::AdamWOptions(1e-2));
  TrainerState state;
  state.global_step = 1;
  attune::trainer::save_checkpoint(dir, *net, opt, state, {});
  state.global_step = 2;
  attune::trainer::save_checkpoint(dir, *net, opt, state, {});
  EXPECT_TRUE(fs::exists(dir / "checkpoint" / attune::trainer::kTrainerStateFile));
  EXPECT_FALSE(fs::exists(dir / "checkpoint.tmp"));
  EXPECT_FALSE(fs::exists(dir / "checkpoint.old"));
  EXPECT_FALSE(fs::exists(dir / "checkpoint" / attune::trainer::kBestWeightsFile)) << "no best yet";
  EXPECT_EQ(attune::trainer::read_trainer_state(dir / "checkpoint").global_step, 2);

  // Killed between the two renames: only checkpoint.old is whole, and a half-written tmp is ignored.
  fs::rename(dir / "checkpoint", dir / "checkpoint.old");
  fs::create_directories(dir / "checkpoint.tmp");
  std::ofstream(dir / "checkpoint.tmp" / "trainable.safetensors") << "partial";
  EXPECT_EQ(attune::trainer::find_checkpoint(dir), dir / "checkpoint.old");
  // The next save replaces the stale dirs.
  state.global_step = 3;
  attune::trainer::save_checkpoint(dir, *net, opt, state, {});
  EXPECT_EQ(attune::trainer::find_checkpoint(dir), dir / "checkpoint");
  EXPECT_FALSE(fs::exists(dir / "checkpoint.old"));
  EXPECT_EQ(attune::trainer::read_trainer_state(dir / "checkpoint").global_step, 3);
}

TEST(Checkpoint, ResumeFromCheckpointNamesLatestADirOrARunDir) {
  const fs::path dir = attune::testing::temp_dir("checkpoint-resume");
  Net net;
  torch::optim::AdamW opt(trainable(net), torch::optim::AdamWOptions(1e-2));
  EXPECT_THROW(attune::trainer::resolve_resume_checkpoint("latest", dir), attune::InputError);
  EXPECT_EQ(attune::trainer::find_checkpoint(dir), fs::path());
  attune::trainer::save_checkpoint(dir / "run", *net, opt, TrainerState{}, {});
  EXPECT_EQ(attune::trainer::resolve_resume_checkpoint("latest", dir / "run"), dir / "run" / "checkpoint");
  EXPECT_EQ(attune::trainer::resolve_resume_checkpoint((dir / "run").string(), dir / "other"),
            dir / "run" / "checkpoint");
  EXPECT_EQ(attune::trainer::resolve_resume_checkpoint((dir / "run" / "checkpoint").string(), dir / "other"),
            dir / "run" / "checkpoint");
  try {
    attune::trainer::resolve_resume_checkpoint((dir / "nowhere").string(), dir);
    FAIL() << "expected InputError";
  } catch (const attune::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("training.resume_from_checkpoint"), std::string::npos) << e.what();
  }
}

TEST(Checkpoint, MalformedTrainerStateIsAnInputErrorNamingTheFile) {
  const fs::path dir = attune::testing::temp_dir("checkpoint-bad");
  std::ofstream(dir / "trainer_state.json") << "{\"epochs_completed\": 1}";
  try {
    attune::trainer::read_trainer_state(dir);
    FAIL() << "expected InputError";
  } catch (const attune::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("trainer_state.json"), std::string::npos) << e.what();
  }
}

}  // namespace
