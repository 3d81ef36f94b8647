package org.lactspark.data.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.lactspark.data.dataset.DatasetReader;
import org.lactspark.data.dataset.Manifest;
import org.lactspark.data.dataset.PackedSequence;
import org.lactspark.data.dataset.ShardFormat;
import org.lactspark.data.dataset.ShardSource;
import org.lactspark.data.tokenize.ByteTokenizer;
import org.lactspark.data.tokenize.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Probe datasets: splits per probe, read back with the dataset reader, byte-identical, guarded. */
class ProbeDatasetsTest {
  private static final Tokenizer TOKENIZER = new ByteTokenizer(true, true);
  private static final List<Probe> PROBES = List.of(new NeedleInHaystack(600, 0.5), new NeedleInHaystack(400, 0.0),
      KeyValueRecall.mqar(700, 8, 0));

  @TempDir Path tmp;

  private Manifest write(Path dir, long seed, boolean overwrite) throws IOException {
    return ProbeDatasets.write(dir, PROBES, 5, seed, TOKENIZER, "", overwrite);
  }

  @Test
  void everySplitReadsBackWithItsAnswerSpans() throws IOException {
    Path dir = tmp.resolve("probes");
    Manifest m = write(dir, 3, false);
    assertEquals(List.of("mqar-L700-k8", "niah-L400-d0.00", "niah-L600-d0.50"), List.copyOf(m.splits().keySet()));
    assertEquals(700, m.sequenceLength(), "the longest probe");
    assertEquals(2, m.tokenBytes(), "258 ids");
    assertEquals(new Manifest.Tokenizer("byte+bos+eos", 258, ""), m.tokenizer());
    assertEquals(ShardFormat.VERSION, m.formatVersion());
    assertEquals("3", m.config().get("probe.seed"));
    assertEquals("NeedleInHaystack[length=600, depth=0.5, haystack=Haystack[neutral, 5 sentences]]",
        m.config().get("probe.split.niah-L600-d0.50"));
    assertEquals(15, m.counts().sequences());
    long tokens = 0;
    for (Probe p : PROBES) {
      List<PackedSequence> split = readAll(dir, p.name());
      assertEquals(5, split.size());
      for (PackedSequence s : split) {
        assertArrayEquals(new int[] {0}, s.documentStarts(), "one document");
        assertTrue(s.length() <= p.length());
        assertEquals(TOKENIZER.bosId(), s.tokens()[0]);
        assertFalse(s.answerSpans().isEmpty());
        for (PackedSequence.Span span : s.answerSpans()) {
          String answer = TOKENIZER.decode(Arrays.copyOfRange(s.tokens(), span.start(), span.end()));
          assertTrue(answer.matches(" [0-9]{7}|[0-9]{4}"), answer);
        }
        tokens += s.length();
      }
      ProbeExample first = p.generate(TOKENIZER, ProbeDatasets.exampleSeed(3, p.name(), 0));
      assertEquals(first.toSequence(), split.get(0), "the split holds the probe's examples");
    }
    assertEquals(tokens, m.counts().tokens());
    assertEquals(15L * 700 - tokens, m.counts().paddingTokens());
    assertEquals(8, readAll(dir, "mqar-L700-k8").get(0).answerSpans().size(), "every pair queried");
  }

  private static List<PackedSequence> readAll(Path dir, String split) throws IOException {
    List<PackedSequence> out = new ArrayList<>();
    try (DatasetReader r = DatasetReader.open(ShardSource.directory(dir), split, DatasetReader.Cursor.START)) {
      for (PackedSequence s = r.next(); s != null; s = r.next()) {
        out.add(s);
      }
      assertNull(r.next());
    }
    return out;
  }

  @Test
  void theSameArgumentsWriteTheSameBytesAndAnotherSeedOtherBytes() throws IOException {
    write(tmp.resolve("a"), 3, false);
    write(tmp.resolve("b"), 3, false);
    write(tmp.resolve("c"), 4, false);
    Map<String, byte[]> a = files(tmp.resolve("a"));
    Map<String, byte[]> b = files(tmp.resolve("b"));
    assertEquals(List.of("manifest.json", "mqar-L700-k8-00000.lseq", "niah-L400-d0.00-00000.lseq",
        "niah-L600-d0.50-00000.lseq"), List.copyOf(a.keySet()));
    for (String f : a.keySet()) {
      assertArrayEquals(a.get(f), b.get(f), f);
      assertFalse(Arrays.equals(a.get(f), files(tmp.resolve("c")).get(f)), f + " with another seed");
    }
    ProbeDatasets.write(tmp.resolve("d"), List.of(PROBES.get(2), PROBES.get(0)), 5, 3, TOKENIZER, "", false);
    assertArrayEquals(a.get("mqar-L700-k8-00000.lseq"), files(tmp.resolve("d")).get("mqar-L700-k8-00000.lseq"),
        "a split does not depend on the other probes");
  }

  private static Map<String, byte[]> files(Path dir) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : list.toList()) {
        out.put(p.getFileName().toString(), Files.readAllBytes(p));
      }
    }
    return out;
  }

  @Test
  void anExistingDatasetIsReplacedOnlyWhenAsked() throws IOException {
    Path dir = tmp.resolve("probes");
    write(dir, 3, false);
    byte[] before = Files.readAllBytes(dir.resolve(Manifest.FILE));
    FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class, () -> write(dir, 4, false));
    assertTrue(e.getMessage().endsWith("manifest.json: already holds a dataset; pass overwrite to replace it"),
        e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(dir.resolve(Manifest.FILE)), "left alone");
    write(dir, 4, true);
    assertEquals("4", readManifest(dir).config().get("probe.seed"));
    write(dir, 3, true);
    assertArrayEquals(before, Files.readAllBytes(dir.resolve(Manifest.FILE)));
  }

  private static Manifest readManifest(Path dir) throws IOException {
    try (DatasetReader r = DatasetReader.open(ShardSource.directory(dir), "mqar-L700-k8", DatasetReader.Cursor.START)) {
      return r.manifest();
    }
  }

  @Test
  void badArgumentsNameTheParameter() {
    Path dir = tmp.resolve("bad");
    NeedleInHaystackTest.assertMessage("probes: none given",
        () -> ProbeDatasets.write(dir, List.of(), 1, 1, TOKENIZER, "", false));
    NeedleInHaystackTest.assertMessage("examples = 0: must be >= 1",
        () -> ProbeDatasets.write(dir, PROBES, 0, 1, TOKENIZER, "", false));
    NeedleInHaystackTest.assertMessage("probes: two probes are named niah-L400-d0.00 (NeedleInHaystack[length=400, "
        + "depth=0.001, haystack=Haystack[neutral, 5 sentences]])", () -> ProbeDatasets.write(dir,
        List.of(new NeedleInHaystack(400, 0.0), new NeedleInHaystack(400, 0.001)), 1, 1, TOKENIZER, "", false));
    IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class,
        () -> ProbeDatasets.write(dir, List.of(new NeedleInHaystack(100, 0.5)), 1, 1, TOKENIZER, "", false));
    assertTrue(tooShort.getMessage().startsWith("length = 100: must be >= "), tooShort.getMessage());
    assertFalse(Files.exists(dir.resolve(Manifest.FILE)), "no manifest after a failure");
  }
}
