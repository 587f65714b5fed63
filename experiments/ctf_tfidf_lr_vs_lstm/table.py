#!/usr/bin/env python3
"""Prints the study's tables (Markdown) from results/*/run_summary.json: what README.md quotes."""
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))


def summary(path):
    f = os.path.join(path, "run_summary.json")
    return json.load(open(f)) if os.path.exists(f) else None


def fmt(v, digits=4):
    return "—" if v is None else f"{v:.{digits}f}"


def ctf_row(name, label, s):
    if s is None:
        return f"| {label} | (not run) |"
    t = s["test"]
    extra = ""
    if "logreg" in s:
        extra = f"C {s['logreg']['C']:g} (3-fold CV)"
    else:
        extra = f"{s['epochs_completed']} epochs, best {s['best_epoch']}" + (" (stopped early)" if s["stopped_early"] else "")
    return (f"| {label} | {fmt(t['accuracy'])} | {fmt(t['weighted_avg']['f1-score'])} | {fmt(t['macro_avg']['f1-score'])} | "
            f"{len(t['labels'])} | {int(round(t['macro_avg']['support']))} | {s['train_seconds']:.1f} | {extra} |")


def real(s, key):
    rd = s.get("real_data", {})
    if key not in rd:
        return "—"
    b, a = rd[key]["benign"], rd[key]["attacks"]
    return f"{100 * b['flagged_rate']:.2f} % / {100 * a['flagged_rate']:.1f} % ({100 * a['exact_rate']:.1f} % exact)"


def card_row(label, s):
    if s is None:
        return f"| {label} | (not run) |"
    t = s["test"]
    op = t.get("operating_point", {})
    stress = s.get("stress")
    return (f"| {label} | {fmt(t['accuracy'])} / {fmt(op.get('accuracy'))} | {fmt(t['macro_avg']['f1-score'])} | "
            f"{fmt(stress['accuracy']) if stress else '—'} | {real(s, 'argmax')} | {real(s, 'operating_point')} | "
            f"{s['train_seconds']:.0f} |")


def main():
    res = os.path.join(here, "results")
    print("ctf preset, first split (data.split.seed 1), test split (supports and weighted averages count observations):\n")
    print("| model | accuracy | weighted F1 | macro F1 | classes | observations | train s | selection |")
    print("|---|---|---|---|---|---|---|---|")
    for name, label in [("ctf_tfidf_logreg", "TF-IDF + LR"), ("ctf_lstm", "LSTM"),
                        ("ctf_roberta_lora", "roberta-compact + LoRA")]:
        print(ctf_row(name, label, summary(os.path.join(res, name))))
    seeds = os.path.join(res, "seeds")
    if os.path.isdir(seeds):
        print("\nctf preset over five splits (data.split.seed 1-5): mean ± sample standard deviation [min, max]:\n")
        print("| model | accuracy | weighted F1 | macro F1 | train s |")
        print("|---|---|---|---|---|")
        for name, label in [("ctf_tfidf_logreg", "TF-IDF + LR"), ("ctf_lstm", "LSTM"),
                            ("ctf_roberta_lora", "roberta-compact + LoRA")]:
            runs = [json.load(open(os.path.join(seeds, f))) for f in sorted(os.listdir(seeds))
                    if f.startswith(name + "-")]
            if not runs:
                continue
            def stat(values):
                m = sum(values) / len(values)
                sd = (sum((v - m) ** 2 for v in values) / (len(values) - 1)) ** 0.5 if len(values) > 1 else 0.0
                return f"{m:.4f} ± {sd:.4f} [{min(values):.4f}, {max(values):.4f}]"
            print(f"| {label} ({len(runs)} splits) | {stat([r['test']['accuracy'] for r in runs])} | "
                  f"{stat([r['test']['weighted_avg']['f1-score'] for r in runs])} | "
                  f"{stat([r['test']['macro_avg']['f1-score'] for r in runs])} | "
                  f"{sum(r['train_seconds'] for r in runs) / len(runs):.1f} |")
    print("\nmodel-card data: test accuracy argmax / at the operating point, macro F1, stress, real-data proxy "
          "(benign flagged / attacks flagged, exact technique) at argmax and at the operating point:\n")
    print("| model | test acc (argmax / op) | macro F1 | stress | real, argmax | real, operating point | train s |")
    print("|---|---|---|---|---|---|---|")
    cards = {"4class": os.path.join(root, "experiments/roberta_lora_4class/in_distribution"),
             "binary": os.path.join(root, "experiments/roberta_bitfit_binary/in_distribution")}
    transformer = {"4class": "roberta-compact + LoRA (the card)", "binary": "roberta-compact + BitFit (the card)"}
    for preset in ["4class", "binary"]:
        for name, label in [(f"{preset}_tfidf_logreg", "TF-IDF + LR"), (f"{preset}_lstm", "LSTM")]:
            print(card_row(f"{preset}: {label}", summary(os.path.join(res, name))))
        print(card_row(f"{preset}: {transformer[preset]}", summary(cards[preset])))


if __name__ == "__main__":
    sys.exit(main())
