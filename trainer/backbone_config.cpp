#include "trainer/backbone_config.h"

namespace attune::trainer {

void apply_deberta_v3_settings(models::HFConfig& c) {
  c.relative_attention = true;
  c.max_relative_positions = -1;
  c.position_buckets = 256;
  c.pos_att_type = {"p2c", "c2p"};
  c.norm_rel_ebd = "layer_norm";
  c.share_att_key = true;
  c.position_biased_input = false;
  c.type_vocab_size = 0;
  c.layer_norm_eps = 1e-7;
  c.pooler_hidden_size = c.hidden_size;
  c.pooler_dropout = 0;
  c.pooler_hidden_act = "gelu";
}

models::HFConfig random_init_hf_config(const RandomInitConfig& r, const data::Tokenizer& tok,
                                       int64_t max_length) {
  auto c = models::default_hf_config(r.model_type);
  c.architectures = {models::sequence_classification_architecture(r.model_type)};
  c.hidden_size = r.hidden_size;
  c.num_hidden_layers = r.num_hidden_layers;
  c.num_attention_heads = r.num_attention_heads;
  c.intermediate_size = r.intermediate_size;
  c.vocab_size = r.vocab_size > 0 ? r.vocab_size : tok.vocab_size();
  c.hidden_dropout_prob = r.hidden_dropout_prob;
  c.attention_probs_dropout_prob = r.attention_probs_dropout_prob;
  c.pad_token_id = tok.pad_id();
  if (tok.bos_id() >= 0) c.bos_token_id = tok.bos_id();
  if (tok.eos_id() >= 0) c.eos_token_id = tok.eos_id();
  // RoBERTa's positions start after the padding index: room for max_length + pad + 1.
  c.max_position_embeddings = r.max_position_embeddings > 0 ? r.max_position_embeddings : max_length + 2;
  if (r.model_type == "roberta") c.type_vocab_size = 1;
  if (r.model_type == "deberta-v2") apply_deberta_v3_settings(c);
  return c;
}

}  // namespace attune::trainer
