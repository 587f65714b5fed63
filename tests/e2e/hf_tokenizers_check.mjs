// Encodes texts with Hugging Face's own JavaScript tokenizers (@huggingface/tokenizers) from an exported
// dir's tokenizer.json + tokenizer_config.json, as a fast tokenizer reads them: an implementation that
// shares no code with attune. Used by tests/e2e/test_hf_tokenizer_files.cpp.
//   node hf_tokenizers_check.mjs PACKAGE_DIR MODEL_DIR TEXTS_JSON   -> one JSON list of id lists
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [pkg, dir, textsFile] = process.argv.slice(2);
const { Tokenizer } = await import(
  pathToFileURL(path.join(pkg, "node_modules/@huggingface/tokenizers/dist/tokenizers.mjs")).href);
const json = JSON.parse(readFileSync(path.join(dir, "tokenizer.json"), "utf8"));
const config = JSON.parse(readFileSync(path.join(dir, "tokenizer_config.json"), "utf8"));
const tokenizer = new Tokenizer(json, config);
const texts = JSON.parse(readFileSync(textsFile, "utf8"));
console.log(JSON.stringify(texts.map((t) => tokenizer.encode(t, { add_special_tokens: true }).ids)));
