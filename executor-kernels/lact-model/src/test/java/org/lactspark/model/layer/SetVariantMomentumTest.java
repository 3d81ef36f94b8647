package org.lactspark.model.layer;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lactspark.model.graph.ModelParams;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The set variant has no momentum ({@code LactLayerSpec.opSpec()} drops it: one update, so the
 * buffer would only ever hold zeros), but a spec derived from a model config with momentum on
 * still declares {@code momentum_proj.0.*}. Such a layer must compute exactly what the layer
 * without momentum computes, and its momentum projection must get zero gradients.
 */
class SetVariantMomentumTest {
  @BeforeAll
  static void doubles() {
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
  }

  private static ComputationGraph setLayer(boolean momentum) {
    return LayerGradientCheckTest.around(LactSwiGluLayer.of(
        LayerGradientCheckTest.spec("useMomentum=" + momentum).withBidirectional(true), 0.5, 0.5));
  }

  @Test
  void momentumConfiguredOnTheSetVariantChangesNothingAndGetsZeroGradients() {
    ComputationGraph with = setLayer(true);
    ComputationGraph without = setLayer(false);
    INDArray ids = LayerGradientCheckTest.tokens(1);
    INDArray labels = LayerGradientCheckTest.tokens(2);
    // Parameters are initialised by name, so the shared ones are equal.
    assertEquals(without.outputSingle(ids), with.outputSingle(ids));

    without.setInputs(ids);
    without.setLabels(labels);
    without.computeGradientAndScore();
    with.setInputs(ids);
    with.setLabels(labels);
    assertDoesNotThrow(() -> with.computeGradientAndScore(), "backward of the set variant with momentum configured");
    assertEquals(without.score(), with.score(), 0.0);

    Map<String, INDArray> gWith = ModelParams.gradientsByOfficialName(with.gradient());
    Map<String, INDArray> gWithout = ModelParams.gradientsByOfficialName(without.gradient());
    for (Map.Entry<String, INDArray> e : gWith.entrySet()) {
      if (e.getKey().contains("momentum_proj")) {
        assertEquals(0.0, e.getValue().amaxNumber().doubleValue(), 0.0, e.getKey());
      } else {
        assertEquals(gWithout.get(e.getKey()), e.getValue(), e.getKey());
      }
    }
    assertTrue(gWith.keySet().containsAll(gWithout.keySet()));
  }
}
