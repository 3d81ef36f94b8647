package org.lactspark.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;
import org.lactspark.data.dataset.Manifest;
import org.lactspark.data.dataset.PackedSequence;
import org.lactspark.data.dataset.ShardFormat;
import org.lactspark.data.dataset.ShardWriter;
import org.lactspark.kernel.model.ModelEngine;
import org.lactspark.kernel.model.ModelEngines;
import picocli.CommandLine;

/**
 * The harness on the ND4J engine (the CUDA engine runs it on the GPU host): over a dataset of a
 * repeating pattern the loss falls, the split wraps around, and bad input is refused by name.
 */
class ShardHarnessTest {
  private static final int L = 24;

  @TempDir Path dir;

  /** Five sequences of a 6-token cycle, two documents each: a pattern the model can learn. */
  private void writeDataset(int vocab) throws Exception {
    List<PackedSequence> seqs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      int[] t = new int[L];
      for (int p = 0; p < L; p++) {
        t[p] = (p + i) % 6 + 3;
      }
      seqs.add(new PackedSequence(t, new int[] {0, 12}));
    }
    Manifest.Shard shard;
    try (OutputStream out = Files.newOutputStream(dir.resolve("train-00000.lseq")); ShardWriter w = new ShardWriter(out, 1, L)) {
      for (PackedSequence s : seqs) {
        w.write(s);
      }
      ShardWriter.Summary s = w.finish();
      shard = new Manifest.Shard("train-00000.lseq", s.records(), s.tokens(), s.bytes(), s.sha256());
    }
    new Manifest(ShardFormat.VERSION, Map.of("sequenceLength", "" + L), new Manifest.Tokenizer("byte", vocab, ""), L, 1,
        Map.of("train", List.of(shard)), new Manifest.Counts(10, 5 * L, 5, 0)).writeTo(dir);
  }

  private static ModelConfig tiny() {
    return Presets.load("tiny", List.of("numLayers=1", "chunkSize=8", "windowSize=8"));
  }

  @Test
  void theLossFallsOverStepsThatWrapAroundTheSplit() throws Exception {
    writeDataset(256);
    ModelConfig c = tiny();
    ShardHarness h = new ShardHarness(dir, c, "train");
    List<ShardHarness.Step> steps;
    try (ModelEngine e = ModelEngines.select("nd4j", c, -1).open(c, -1)) {
      steps = h.run(e, new ShardHarness.Options("train", 12, 2, 1, 1e-2, 1.0), s -> { });
    }
    assertEquals(12, steps.size(), "24 sequences from a split of 5: read around");
    assertTrue(steps.stream().allMatch(ShardHarness.Step::applied));
    assertEquals(2L * (L - 1), steps.get(0).tokens(), "two sequences, each scoring L - 1 positions (no document restart)");
    double first = steps.get(0).loss();
    double last = steps.get(steps.size() - 1).loss();
    assertTrue(last < first - 0.5, "loss " + first + " -> " + last);
  }

  @Test
  void aDatasetThatDoesNotFitTheModelIsRefusedByName() throws Exception {
    writeDataset(256);
    ModelConfig small = Presets.load("tiny", List.of("numLayers=1", "vocabSize=200"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ShardHarness(dir, small, "train"));
    assertTrue(e.getMessage().contains("vocabSize"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new ShardHarness.Options("train", 0, 1, 1, 1e-3, 1));
  }

  @Test
  void theCommandPrintsProgressAndOneJsonLine() throws Exception {
    writeDataset(256);
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new HarnessCommand());
    cl.setOut(new PrintWriter(out));
    int code = cl.execute("--dataset", dir.toString(), "--preset", "tiny", "--set", "numLayers=1", "--engine", "nd4j",
        "--device", "-1", "--steps", "3", "--sequences", "1", "--every", "1");
    assertEquals(0, code, out.toString());
    String[] lines = out.toString().trim().split("\n");
    assertTrue(lines[0].startsWith("harness: nd4j"), lines[0]);
    assertTrue(lines[lines.length - 1].startsWith("{\"harness\":\"train\",\"engine\":\"nd4j\""), lines[lines.length - 1]);
    assertEquals(2, new CommandLine(new HarnessCommand()).execute("--dataset", dir.toString(), "--steps", "0"));
  }
}
