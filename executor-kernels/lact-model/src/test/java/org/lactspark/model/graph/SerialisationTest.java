package org.lactspark.model.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lactspark.conf.ModelConfig;
import org.lactspark.model.layer.LactBlockLayer;
import org.lactspark.model.layer.LactSwiGluLayer;
import org.lactspark.model.nn.LactLayerSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class SerialisationTest {
  /** Every field differs from its default, so a field JSON drops comes back different. */
  private static final LactLayerSpec ODD = new LactLayerSpec(24, 3, 2, 18, 7, 5, true, true, 3, 0.004, false,
      true, true, false, true, true, 12345.0, true, true, false);

  private static ComputationGraphConfiguration roundTrip(ComputationGraphConfiguration c) {
    return ComputationGraphConfiguration.fromJson(c.toJson());
  }

  @Test
  void everyLayerFieldSurvivesJson() {
    ModelConfig c = TinyModels.config("useMuon=false", "tttPrenorm=true", "documentRestart=true", "normEps=3e-5");
    ComputationGraphConfiguration conf = LactModels.configuration(c, LactModels.Options.defaults().withSeed(99));
    ComputationGraphConfiguration back = roundTrip(conf);
    assertEquals(conf.toJson(), back.toJson());
    LactBlockLayer block = (LactBlockLayer) ((LayerVertex) back.getVertices().get("model.layers.1"))
        .getLayerConf().getLayer();
    assertEquals(LactLayerSpec.of(c), block.spec());
    assertEquals(3e-5, block.getNormEps());
    assertEquals(c.mlpWidth(), block.getMlpWidth());
    assertEquals("model.layers.1.", block.getParamPrefix());
    assertEquals(99L, block.getInitSeed());
    assertEquals("nd4j", block.getBackend());
  }

  @Test
  void theStandaloneLactLayerKeepsEveryField() {
    LactSwiGluLayer layer = LactSwiGluLayer.of(ODD, 0.03, 0.7);
    layer.setBackend("reference");
    ComputationGraphConfiguration conf = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
        .graphBuilder().addInputs("in").addLayer("l", layer, "in").setOutputs("l").build();
    LactSwiGluLayer back = (LactSwiGluLayer) ((LayerVertex) roundTrip(conf).getVertices().get("l"))
        .getLayerConf().getLayer();
    assertEquals(ODD, back.spec());
    assertEquals(0.03, back.getInitializerRange());
    assertEquals(0.7, back.getFwInitGain());
    assertEquals("reference", back.getBackend());
  }

  @Test
  void aTrainedModelSavesAndLoadsWithIdenticalOutputs(@TempDir Path dir) throws IOException {
    ModelConfig c = TinyModels.config();
    ComputationGraph g = LactModels.build(c, LactModels.Options.defaults().withUpdater(new org.nd4j.linalg.learning.config.Adam(1e-2)));
    INDArray ids = TinyModels.tokens(2, 14, c.vocabSize(), 5, DataType.FLOAT);
    for (int i = 0; i < 3; i++) {
      g.fit(new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[] {ids}, new INDArray[] {ids.dup()}));
    }
    Path file = dir.resolve("model.zip");
    ModelFiles.save(g, c, file, true);
    ComputationGraph back = ModelFiles.load(file, true);
    assertEquals(g.params(), back.params());
    assertEquals(g.outputSingle(ids), back.outputSingle(ids));
    assertEquals(c, ModelFiles.config(file));
    assertTrue(Files.list(dir).allMatch(p -> p.equals(file)), "a temporary file was left behind");
  }

  @Test
  void loadingSomethingElseNamesTheFile(@TempDir Path dir) throws IOException {
    Path bogus = dir.resolve("bogus.zip");
    Files.writeString(bogus, "not a zip");
    IOException e = assertThrows(IOException.class, () -> ModelFiles.load(bogus, false));
    assertTrue(e.getMessage().contains("bogus.zip"), e.getMessage());
    IOException missing = assertThrows(IOException.class, () -> ModelFiles.config(dir.resolve("none.zip")));
    assertTrue(missing.getMessage().contains("none.zip"), missing.getMessage());
  }

  @Test
  void theTiedHeadAndThePaddingTokenSurviveJson() {
    ModelConfig c = TinyModels.config("tieWordEmbeddings=true", "padTokenId=4");
    ComputationGraphConfiguration back = roundTrip(LactModels.configuration(c, LactModels.Options.defaults()));
    org.lactspark.model.layer.LmHeadLayer head = (org.lactspark.model.layer.LmHeadLayer)
        ((LayerVertex) back.getVertices().get(LactModels.OUTPUT)).getLayerConf().getLayer();
    assertTrue(head.isTiedToEmbedding());
    assertTrue(head.paramSpecs().isEmpty());
    org.lactspark.model.layer.TokenEmbeddingLayer emb = (org.lactspark.model.layer.TokenEmbeddingLayer)
        ((LayerVertex) back.getVertices().get("model.embeddings")).getLayerConf().getLayer();
    assertEquals(4, emb.getPadTokenId());
  }
}
