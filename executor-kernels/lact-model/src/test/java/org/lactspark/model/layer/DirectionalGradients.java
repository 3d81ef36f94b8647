package org.lactspark.model.layer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.lactspark.model.graph.ModelParams;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Central-difference checks of a graph's gradient along random unit directions, one direction per
 * parameter array (every entry of the array moves at once) and one over the whole flat vector:
 * {@code (score(p + eps v) - score(p - eps v)) / (2 eps)} against {@code gradient . v}. Two score
 * evaluations per array instead of two per entry, so the float64 model fits a unit test's time;
 * an error in any entry shows up unless it happens to cancel along a random direction. The
 * gradient compared is {@code graph.gradient()} after {@code computeGradientAndScore}, which the
 * project defines as the gradient of {@code graph.score()} itself (the mean loss over the scored
 * tokens of the whole batch), whatever the batch size.
 */
public final class DirectionalGradients {
  private DirectionalGradients() {}

  /** One direction: analytic and numerical directional derivatives. */
  public record Check(String name, double analytic, double numerical) {
    public double absError() {
      return Math.abs(analytic - numerical);
    }

    /** DL4J's measure: |a - n| / (|a| + |n|), 0 when both are 0. */
    public double relError() {
      double den = Math.abs(analytic) + Math.abs(numerical);
      return den == 0 ? 0 : absError() / den;
    }

    public boolean passes(double maxRel, double minAbs) {
      return relError() <= maxRel || absError() < minAbs;
    }

    @Override
    public String toString() {
      return name + ": analytic " + analytic + ", numerical " + numerical + ", rel " + relError();
    }
  }

  /** A random direction of unit length: the step moves the array by eps, as a per-entry check does. */
  private static INDArray direction(long[] shape, Random r) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    double[] v = new double[Math.toIntExact(n)];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextGaussian();
    }
    double norm = 0;
    for (double x : v) {
      norm += x * x;
    }
    norm = Math.sqrt(norm);
    for (int i = 0; i < v.length; i++) {
      v[i] /= norm;
    }
    return Nd4j.create(v, shape, 'c').castTo(DataType.DOUBLE);
  }

  /** Every parameter array's check, then {@code "<all>"}: a direction over the whole vector. */
  public static List<Check> run(ComputationGraph g, MultiDataSet data, double eps, long seed) {
    return run(g, data, eps, seed, name -> true);
  }

  /**
   * The check of every parameter array whose official name {@code which} accepts, then {@code
   * "<all>"}: a direction over the whole vector.
   */
  public static List<Check> run(ComputationGraph g, MultiDataSet data, double eps, long seed,
      Predicate<String> which) {
    g.setInputs(data.getFeatures());
    g.setLabels(data.getLabels());
    g.setLayerMaskArrays(data.getFeaturesMaskArrays(), data.getLabelsMaskArrays());
    g.computeGradientAndScore();
    Map<String, INDArray> grads = new LinkedHashMap<>();
    for (Map.Entry<String, INDArray> e : ModelParams.gradientsByOfficialName(g.gradient()).entrySet()) {
      grads.put(e.getKey(), e.getValue().dup());
    }
    INDArray flatGrad = g.gradient().gradient().dup();
    Map<String, INDArray> params = ModelParams.byOfficialName(g);
    if (!grads.keySet().equals(params.keySet())) {
      throw new AssertionError("gradient names " + grads.keySet() + " differ from parameter names " + params.keySet());
    }
    Random r = new Random(seed);
    List<Check> out = new ArrayList<>();
    for (Map.Entry<String, INDArray> e : params.entrySet()) {
      INDArray p = e.getValue();
      INDArray v = direction(p.shape(), r);
      if (!which.test(e.getKey())) {
        continue;
      }
      double analytic = grads.get(e.getKey()).mul(v).sumNumber().doubleValue();
      out.add(new Check(e.getKey(), analytic, numerical(g, data, p, v, eps)));
    }
    INDArray flat = g.params();
    INDArray v = direction(flat.shape(), r);
    out.add(new Check("<all>", flatGrad.mul(v).sumNumber().doubleValue(), numerical(g, data, flat, v, eps)));
    return out;
  }

  private static double numerical(ComputationGraph g, MultiDataSet data, INDArray p, INDArray v, double eps) {
    INDArray orig = p.dup();
    p.addi(v.mul(eps));
    double plus = g.score(data, true);
    p.assign(orig).subi(v.mul(eps));
    double minus = g.score(data, true);
    p.assign(orig);
    return (plus - minus) / (2 * eps);
  }
}
