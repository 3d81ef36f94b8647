package org.lactspark.driver.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The report's sentences comparing the model with each baseline, written to say only what the
 * numbers support: a loss difference is called a separation only when it exceeds two standard
 * errors of the per-sequence paired difference (both models scored the same sequences).
 */
final class Comparison {
  private Comparison() {}

  /** Notes on {@code results} (the model first), with each model's dataset totals (null entries allowed). */
  static List<String> notes(List<EvalModel> models, List<EvalReport.ModelResult> results, List<EvalTotals> totals) {
    List<String> out = new ArrayList<>();
    EvalModel first = models.get(0);
    for (EvalModel m : models) {
      if (m.trainingDataset() == null) {
        continue;
      }
      out.add(String.format(Locale.ROOT, "%s: checkpoint %s (step %d), trained on %s%s; TTT branch %s; attention "
          + "window %d tokens, TTT chunk %d tokens.", m.label(), m.location(), m.step(), m.trainingDataset(),
          m.trainedTokens() < 0 ? "" : String.format(Locale.ROOT, " (%,d tokens)", m.trainedTokens()),
          m.config().tttEnabled() ? "on" : "off", m.config().windowSize(), m.config().chunkSize()));
    }
    for (int i = 1; i < models.size(); i++) {
      if (totals.get(0) != null && totals.get(i) != null) {
        out.add(loss(first.label(), models.get(i).label(), totals.get(0), totals.get(i)));
        out.add(beyondWindow(first, models.get(i), results.get(0), results.get(i)));
        String ttt = tttNotAhead(first, models.get(i), totals.get(0), totals.get(i));
        if (ttt != null) {
          out.add(ttt);
        }
      }
      String r = retrieval(results.get(0), results.get(i));
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }

  /** The paired per-sequence comparison of mean loss. */
  static String loss(String a, String b, EvalTotals ta, EvalTotals tb) {
    int n = Math.min(ta.lossSequences, tb.lossSequences);
    double[] d = new double[n];
    int used = 0;
    for (int i = 0; i < n; i++) {
      if (ta.sequenceTokens[i] > 0 && ta.sequenceTokens[i] == tb.sequenceTokens[i]) {
        d[used++] = ta.sequenceLoss[i] / ta.sequenceTokens[i] - tb.sequenceLoss[i] / tb.sequenceTokens[i];
      }
    }
    double la = ta.lossSum / ta.tokens;
    double lb = tb.lossSum / tb.tokens;
    if (used < 2) {
      return String.format(Locale.ROOT, "Loss per token: %s %.4f, %s %.4f; too few sequences (%d) to tell noise "
          + "from difference.", a, la, b, lb, used);
    }
    double mean = 0;
    for (int i = 0; i < used; i++) {
      mean += d[i];
    }
    mean /= used;
    double var = 0;
    for (int i = 0; i < used; i++) {
      var += (d[i] - mean) * (d[i] - mean);
    }
    double se = Math.sqrt(var / (used - 1) / used);
    String verdict = Math.abs(mean) > 2 * se
        ? String.format(Locale.ROOT, "%s is %s by %.4f nats per token on average, more than two standard errors "
            + "(%.4f) of the paired difference over %d sequences", a, mean < 0 ? "lower" : "higher", Math.abs(mean),
            2 * se, used)
        : String.format(Locale.ROOT, "the two are not separated: the paired difference %+.4f is within two standard "
            + "errors (%.4f) over %d sequences", mean, 2 * se, used);
    return String.format(Locale.ROOT, "Loss per token: %s %.4f, %s %.4f; %s.", a, la, b, lb, verdict);
  }

  /**
   * When the model with the TTT branch is not ahead of one without it, the sentence that keeps the
   * comparison in proportion; null otherwise.
   */
  private static String tttNotAhead(EvalModel a, EvalModel b, EvalTotals ta, EvalTotals tb) {
    if (a.config().tttEnabled() == b.config().tttEnabled()) {
      return null;
    }
    EvalModel on = a.config().tttEnabled() ? a : b;
    EvalTotals tOn = on == a ? ta : tb;
    EvalTotals tOff = on == a ? tb : ta;
    if (tOn.lossSum / tOn.tokens < tOff.lossSum / tOff.tokens) {
      return null;
    }
    return String.format(Locale.ROOT, "The model with the TTT branch (%s) is not ahead here%s. Its extra parts (the "
        + "fast weights' initial state, the learning-rate and momentum projections) start untrained, and a short "
        + "run may not separate the two: this comparison shows these checkpoints, not what TTT can do after a full "
        + "training run.", on.label(), on.trainedTokens() < 0 ? ""
            : String.format(Locale.ROOT, " after %,d training tokens", on.trainedTokens()));
  }

  /** Mean loss over the positions beyond the attention window, where only the TTT branch reaches. */
  private static String beyondWindow(EvalModel a, EvalModel b, EvalReport.ModelResult ra, EvalReport.ModelResult rb) {
    int window = Math.max(a.config().windowSize(), b.config().windowSize());
    double[] la = meanFrom(ra.positions(), window);
    double[] lb = meanFrom(rb.positions(), window);
    if (la[1] == 0 || lb[1] == 0) {
      return String.format(Locale.ROOT, "No position lies beyond the attention window (%d tokens) in these "
          + "sequences: the per-position curves compare the models only inside it.", window);
    }
    return String.format(Locale.ROOT, "Beyond the attention window (positions >= %d, where only the TTT branch can "
        + "carry earlier context): %s %.4f, %s %.4f nats per token (difference %+.4f).", window, a.label(), la[0],
        b.label(), lb[0], la[0] - lb[0]);
  }

  /** {mean loss, tokens} over the buckets that start at or after {@code from}. */
  private static double[] meanFrom(EvalReport.PositionLoss p, int from) {
    double sum = 0;
    long n = 0;
    if (p != null) {
      for (EvalReport.Bucket b : p.buckets()) {
        if (b.start() >= from && b.tokens() > 0) {
          sum += b.meanLoss() * b.tokens();
          n += b.tokens();
        }
      }
    }
    return new double[] {n == 0 ? Double.NaN : sum / n, n};
  }

  private static String retrieval(EvalReport.ModelResult a, EvalReport.ModelResult b) {
    if (a.retrieval().isEmpty() || b.retrieval().isEmpty()) {
      return null;
    }
    return String.format(Locale.ROOT, "Retrieval accuracy over %d probe splits: %s %.3f, %s %.3f (mean of the "
        + "splits; an example counts when every answer token is predicted).", a.retrieval().size(), a.label(),
        meanAccuracy(a), b.label(), meanAccuracy(b));
  }

  /** The mean accuracy over a model's probe splits, NaN with none. */
  static double meanAccuracy(EvalReport.ModelResult r) {
    return r.retrieval().stream().mapToDouble(EvalReport.ProbeResult::accuracy).average().orElse(Double.NaN);
  }
}
