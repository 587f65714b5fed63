#!/usr/bin/python3
"""Checks attune's tfidf_logreg against scikit-learn, an implementation that shares none of its code.

Reads a tfidf_logreg run (default: results of configs/ctf_tfidf_logreg.yaml under runs/), rebuilds its
training features with scikit-learn's TfidfVectorizer (attune's vocabulary, and a Python transcription
of attune's token pattern as the analyzer), fits LogisticRegression (lbfgs, multinomial, L2, the C the
run chose, the count column as sample_weight) and compares the idf, the coefficients (intercepts up to
their common shift, which the objective leaves free) and the test predictions.
Needs Debian's python3-sklearn:  /usr/bin/python3 experiments/ctf_tfidf_lr_vs_lstm/sklearn_check.py [RUN_DIR]
"""
import csv
import json
import re
import struct
import sys

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

SEPARATORS = set(" \t\n\r\v\f|;&()\"'`<>,")


def is_word_char(c):
    return c.isascii() and (c.isalnum() or c == "_") or not c.isascii()


def ipv4(s):
    m = re.fullmatch(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?::(\d{1,5})|/(\d{1,2}))?", s)
    if not m:
        return False
    if any(int(o) > 255 for o in m.groups()[:4]):
        return False
    if m.group(5) is not None and int(m.group(5)) > 65535:
        return False
    return m.group(6) is None or int(m.group(6)) <= 32


def artifact(s):
    if ipv4(s) or re.match(r"[A-Za-z]+://", s) or "/" in s or "\\" in s or s.startswith("~"):
        return True
    if len(s) >= 2 and s[0] == "-" and (s[1].isascii() and s[1].isalnum() or s[1] == "-"):
        return True
    if len(s) >= 2 and s[0] == "$" and all(is_word_char(c) for c in s[1:]):
        return True
    if len(s) >= 4 and s.startswith("${") and s.endswith("}") and s.find("}", 2) == len(s) - 1:
        return True
    if len(s) >= 3 and s[0] == "%" and s[-1] == "%" and all(is_word_char(c) for c in s[1:-1]):
        return True
    eq = s.find("=")
    return eq > 0 and all(is_word_char(c) for c in s[:eq])


def tokens(text):
    out, piece = [], ""
    for c in text + " ":
        if c in SEPARATORS:
            p = piece.rstrip(".:")
            if p:
                if artifact(p):
                    out.append(p)
                else:
                    out.extend(re.findall(r"[A-Za-z0-9_\x80-\U0010ffff]{2,}", p))
            piece = ""
        else:
            piece += c
    return out


def analyzer(text):
    t = tokens(text.lower())
    return t + [a + " " + b for a, b in zip(t, t[1:])]


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype="<f4").reshape(info["shape"])
    return out


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        r = list(csv.DictReader(f))
    return [x["text"] for x in r], [x["label"] for x in r], [float(x.get("count") or 1) for x in r]


def summary_train_file(run):
    # data.train_file of the run's resolved config (data.split writes <run>/data; presets their own dir).
    for line in open(run + "/resolved_config.yaml"):
        if line.startswith("  train_file:"):
            return line.split(":", 1)[1].strip().strip('"')
    raise SystemExit(run + "/resolved_config.yaml: no data.train_file")


def main():
    run = sys.argv[1] if len(sys.argv) > 1 else "runs/experiments/ctf_tfidf_lr_vs_lstm/ctf_tfidf_logreg"
    merged = run + "/export/merged"
    vec = json.load(open(merged + "/tfidf_vectorizer.json"))
    config = json.load(open(merged + "/config.json"))
    summary = json.load(open(run + "/run_summary.json"))
    C = summary["logreg"]["C"]
    labels = [config["id2label"][str(i)] for i in range(len(config["id2label"]))]
    ids = vec["vocabulary"]
    terms = [t for t, _ in sorted(ids.items(), key=lambda kv: kv[1])][1:]  # id 0 is padding

    texts, y, w = rows(summary_train_file(run))
    ours = set(terms)
    theirs = set(g for t in texts for g in analyzer(t))
    print(f"vocabulary: attune {len(ours)} terms, the Python analyzer {len(theirs)}; identical: {ours == theirs}")
    if ours != theirs:
        print("  only attune:", sorted(ours - theirs)[:10], " only Python:", sorted(theirs - ours)[:10])
        return 1
    tfidf = TfidfVectorizer(analyzer=analyzer, vocabulary=terms, smooth_idf=True, norm="l2")
    X = tfidf.fit_transform(texts)
    idf_diff = np.abs(tfidf.idf_ - np.array(vec["idf"][1:])).max()
    print(f"idf: largest difference {idf_diff:.2e} (attune stores float32)")

    yi = np.array([labels.index(v) for v in y])
    lr = LogisticRegression(C=C, solver="lbfgs", max_iter=100000, tol=1e-10)
    lr.fit(X, yi, sample_weight=np.array(w))
    weights = read_safetensors(merged + "/model.safetensors")
    W = weights["classifier.weight"][:, 1:].astype(np.float64)
    b = weights["classifier.bias"].astype(np.float64)
    present = sorted(set(yi))
    Ws = np.zeros_like(W)
    bs = np.zeros_like(b)
    Ws[present] = lr.coef_ if len(present) > 2 else np.vstack([-lr.coef_, lr.coef_]) / 2
    bs[present] = lr.intercept_ if len(present) > 2 else np.array([-lr.intercept_[0], lr.intercept_[0]]) / 2
    print(f"C {C}: {len(present)} classes in train; largest |W attune - W scikit-learn| "
          f"{np.abs(W[present] - Ws[present]).max():.2e} (largest |W| {np.abs(Ws).max():.3f}); intercepts up to "
          f"their shift: {np.abs((b[present] - b[present].mean()) - (bs[present] - bs[present].mean())).max():.2e}")

    def objective(Wm, bm):
        # attune's scaling: sum w_i CE_i / sum w + ||W||^2 / (2 C sum w); the same minimiser as scikit-learn's.
        z = X @ Wm.T + bm
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        sw = np.array(w)
        return (-(sw * logp[np.arange(len(yi)), yi]).sum() + 0.5 * (Wm ** 2).sum() / C) / sw.sum()
    print(f"objective at attune's solution {objective(W, b):.12f}, at scikit-learn's {objective(Ws, bs):.12f}")

    tt, ty, tw = rows(summary_train_file(run).replace("train.csv", "test.csv"))
    pred_sk = lr.predict(tfidf.transform(tt))
    Xt = tfidf.transform(tt)
    pred_ours = np.argmax(Xt @ W.T + b, axis=1)
    agree = float(np.mean(pred_sk == pred_ours))
    acc = sum(wi for p, t, wi in zip(pred_sk, ty, tw) if labels[p] == t) / sum(tw)
    print(f"test: predictions agree on {100 * agree:.1f} % of {len(tt)} rows; scikit-learn's weighted accuracy "
          f"{acc:.4f}, attune's run {summary['test']['accuracy']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
