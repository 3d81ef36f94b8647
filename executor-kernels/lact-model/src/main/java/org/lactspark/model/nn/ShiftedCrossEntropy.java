package org.lactspark.model.nn;

import org.lactspark.kernel.model.LossTargets;
import org.lactspark.kernel.nd4j.Tape;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The language-model loss of {@code LaCTForCausalLM}: the logits at position t are scored against
 * the label at t + 1, the last position is never scored, labels equal to {@link #IGNORE_INDEX} are
 * skipped, and the loss is the mean over all scored tokens of the batch. Beyond the official
 * model, a sequence mask (see {@link Segments}) removes padded positions from the loss, both as
 * inputs and as targets, and in document-restart mode a position is not scored against the first
 * token of the next document (each document alone never predicts its own first token).
 */
public final class ShiftedCrossEntropy {
  /** Labels with this value are not scored (PyTorch's default ignore index; {@link LossTargets#IGNORE_INDEX}). */
  public static final int IGNORE_INDEX = LossTargets.IGNORE_INDEX;

  private ShiftedCrossEntropy() {}

  /**
   * One loss evaluation: the mean loss, the per-sequence sums and counts, and what the backward
   * needs.
   */
  public record Pass(double loss, double[] perSequenceSum, int[] perSequenceCount, int scored,
      INDArray probs, int[] targets) {}

  /**
   * Which positions are scored and against which class ({@code -1}: not scored), row-major over
   * {@code [B, L]}: {@link LossTargets#of}'s rule (the one every engine scores by), for the graph's
   * arrays. The mask holds document numbers ({@link Segments}; null: no padding, one document per
   * row).
   *
   * @throws IllegalArgumentException naming the position of a label outside {@code [0, vocab)}
   *     that is not the ignore index, or of a mask value that is not a whole number
   */
  public static int[] targets(INDArray labels, INDArray mask, boolean documentRestart, int vocab) {
    int b = (int) labels.size(0);
    int len = (int) labels.size(1);
    double[] lab = labels.dup('c').data().asDouble();
    int[] ids = new int[lab.length];
    for (int at = 0; at < lab.length; at++) {
      // the first column is never a target (nothing precedes it), so it is neither read nor checked
      if (at % len != 0 && (lab[at] != Math.rint(lab[at]) || Math.abs(lab[at]) > Integer.MAX_VALUE)) {
        throw new IllegalArgumentException("labels: value " + lab[at] + " at [" + at / len + ", " + at % len
            + "] is neither " + IGNORE_INDEX + " nor a class in [0, " + vocab + ")");
      }
      ids[at] = (int) lab[at];
    }
    int[] documents = null;
    if (mask != null) {
      double[] seg = mask.dup('c').data().asDouble();
      documents = new int[seg.length];
      for (int at = 0; at < seg.length; at++) {
        if (seg[at] != Math.rint(seg[at]) || Math.abs(seg[at]) > Integer.MAX_VALUE) {
          throw new IllegalArgumentException("mask: value " + seg[at] + " at [" + at / len + ", " + at % len
              + "] is not 0 (padding) or a document number");
        }
        documents[at] = (int) seg[at];
      }
    }
    return LossTargets.of(b, len, ids, documents, documentRestart, vocab);
  }

  /** The loss of {@code logits [B*L, V]} against {@code targets} from {@link #targets}. */
  public static Pass forward(INDArray logits, int[] targets, int batch) {
    INDArray max = logits.max(true, 1);
    INDArray shifted = logits.subColumnVector(max);
    INDArray lse = Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false);
    INDArray probs = Transforms.exp(shifted.subiColumnVector(lse), false);
    double[] lseMax = lse.addi(max).dup('c').data().asDouble();
    int len = targets.length / batch;
    double[] sums = new double[batch];
    int[] counts = new int[batch];
    int scored = 0;
    double total = 0;
    for (int r = 0; r < targets.length; r++) {
      if (targets[r] >= 0) {
        double l = lseMax[r] - logits.getDouble(r, targets[r]);
        sums[r / len] += l;
        counts[r / len]++;
        total += l;
        scored++;
      }
    }
    return new Pass(scored == 0 ? 0.0 : total / scored, sums, counts, scored, probs, targets);
  }

  /**
   * Each position's own loss and greedy prediction (evaluation): {@code loss[r]} is the natural-log
   * cross-entropy of row r of {@code logits [rows, V]} against {@code targets[r]} (NaN where the
   * position is not scored), {@code argmax[r]} the highest-scoring class of the row.
   */
  public record TokenScores(double[] loss, int[] argmax) {}

  /** The per-position losses and predictions of {@code logits [rows, V]} against {@code targets}. */
  public static TokenScores score(INDArray logits, int[] targets) {
    try (Tape temp = new Tape()) {
      INDArray max = temp.own(logits.max(true, 1));
      INDArray shifted = temp.own(logits.subColumnVector(max));
      INDArray lse = temp.own(Transforms.log(temp.own(Transforms.exp(shifted, false).sum(true, 1)), false));
      double[] lseMax = lse.addi(max).reshape(-1).toDoubleVector();
      int[] argmax = temp.own(logits.argMax(1)).reshape(-1).toIntVector();
      double[] loss = new double[targets.length];
      for (int r = 0; r < targets.length; r++) {
        loss[r] = targets[r] >= 0 ? lseMax[r] - logits.getDouble(r, targets[r]) : Double.NaN;
      }
      return new TokenScores(loss, argmax);
    }
  }

  /**
   * {@code d loss / d logits}: {@code (softmax - onehot) / scored} on scored rows, 0 elsewhere
   * (also everywhere when nothing was scored). Consumes the pass's probabilities.
   */
  public static INDArray backward(Pass p) {
    INDArray g = p.probs();
    double[] weight = new double[p.targets().length];
    for (int r = 0; r < weight.length; r++) {
      if (p.targets()[r] >= 0) {
        weight[r] = 1.0 / p.scored();
        g.putScalar(r, p.targets()[r], g.getDouble(r, p.targets()[r]) - 1.0);
      }
    }
    return g.muliColumnVector(Nd4j.create(weight, new long[] {weight.length, 1}).castTo(g.dataType()));
  }
}
