package org.lactspark.kernel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code conformance} command on the reference backend: results, exit statuses, bad input. */
class ConformanceCommandTest {
  @TempDir Path tmp;

  private static CliTestSupport.Run conformance(Path dir, String... extra) {
    String[] args = new String[3 + extra.length];
    args[0] = "conformance";
    args[1] = "--fixtures";
    args[2] = dir.toString();
    System.arraycopy(extra, 0, args, 3, extra.length);
    return CliTestSupport.run(args);
  }

  @Test
  void everyGoldenCasePassesOnTheReference() {
    CliTestSupport.Run r = conformance(CliTestSupport.fixtures(), "--backend", "reference");
    assertEquals(0, r.status(), r.err());
    assertEquals("7 passed, 0 failed", r.lastLine());
    assertEquals(7, r.out().lines().filter(l -> l.endsWith("PASS")).count(), r.out());
    assertTrue(r.out().contains("lact_muon_L37_c8_wide"), r.out());
  }

  @Test
  void aWrongStoredValueFailsTheCaseAndTheExitStatus() throws IOException {
    Path c = CliTestSupport.copyCase("lact_plain_L40_c16", tmp);
    Files.copy(CliTestSupport.fixtures().resolve("lact_momentum_L40_c16/O.npy"), c.resolve("O.npy"),
        StandardCopyOption.REPLACE_EXISTING);
    CliTestSupport.Run r = conformance(tmp, "--backend", "reference");
    assertEquals(1, r.status());
    assertTrue(r.out().contains("FAIL") && r.out().contains("[O: relative error"), r.out());
    assertEquals("0 passed, 1 failed", r.lastLine());
  }

  @Test
  void aMissingFileIsOneLineNamingTheCaseAndTheFile() throws IOException {
    Path c = CliTestSupport.copyCase("lact_plain_L40_c16", tmp);
    Files.delete(c.resolve("grad_k.npy"));
    CliTestSupport.copyCase("ns5_wide_3x16x24", tmp);
    CliTestSupport.Run r = conformance(tmp, "--backend", "reference");
    assertEquals(1, r.status());
    assertTrue(r.out().contains("ERROR case lact_plain_L40_c16: missing file grad_k.npy"), r.out());
    assertEquals("1 passed, 1 failed", r.lastLine());
    assertTrue(r.err().isEmpty(), "no stack trace: " + r.err());
  }

  @Test
  void aMisshapenFileIsNamed() throws IOException {
    Path c = CliTestSupport.copyCase("lact_plain_L40_c16", tmp);
    Files.copy(CliTestSupport.fixtures().resolve("lact_muon_L37_c8_wide/q.npy"), c.resolve("q.npy"),
        StandardCopyOption.REPLACE_EXISTING);
    CliTestSupport.Run r = conformance(tmp, "--backend", "reference");
    assertTrue(r.out().contains("case lact_plain_L40_c16: file q.npy: shape [3, 37, 12]"), r.out());
  }

  @Test
  void corruptNpyFilesAreThatCasesErrorAndTheRunGoesOn() throws IOException {
    Path negative = CliTestSupport.copyCase("lact_plain_L40_c16", tmp);
    rewriteHeader(negative.resolve("q.npy"), "(2, 40, 16)", "(-2, 40, 16)");
    Path huge = CliTestSupport.copyCase("lact_momentum_L40_c16", tmp);
    rewriteHeader(huge.resolve("k.npy"), "(2, 40, 16)", "(2000000, 40, 16)");
    Path tiny = CliTestSupport.copyCase("lact_muon_L37_c8_wide", tmp);
    Files.write(tiny.resolve("v.npy"), new byte[] {(byte) 0x93, 'N', 'U'});
    CliTestSupport.copyCase("ns5_tall_3x24x16", tmp);
    CliTestSupport.Run r = conformance(tmp, "--backend", "reference");
    assertEquals(1, r.status(), r.err());
    assertTrue(r.out().contains("case lact_plain_L40_c16: file q.npy: negative dimension"), r.out());
    assertTrue(r.out().contains("case lact_momentum_L40_c16: file k.npy: shape [2000000, 40, 16] needs more data"),
        r.out());
    assertTrue(r.out().contains("case lact_muon_L37_c8_wide: file v.npy: truncated (3 bytes)"), r.out());
    assertEquals("1 passed, 3 failed", r.lastLine());
    assertTrue(r.err().isEmpty(), r.err());
  }

  /** Rewrites the shape in a .npy header, keeping its length (pads or trims trailing spaces). */
  private static void rewriteHeader(Path file, String from, String to) throws IOException {
    byte[] b = Files.readAllBytes(file);
    String head = new String(b, 0, 128, java.nio.charset.StandardCharsets.ISO_8859_1);
    int at = head.indexOf(from);
    assertTrue(at > 0, "shape " + from + " in " + file);
    String changed = head.substring(0, at) + to + head.substring(at + from.length());
    int end = changed.indexOf('}') + 1;
    int pad = 128 - 1 - end; // header ends with spaces then '\n' at byte 127
    changed = changed.substring(0, end) + " ".repeat(Math.max(0, pad)) + "\n";
    System.arraycopy(changed.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, b, 0, 128);
    Files.write(file, b);
  }

  @Test
  void unknownValuesInCaseJsonNameTheCaseAndTheField() throws IOException {
    Path c = CliTestSupport.copyCase("lact_plain_L40_c16", tmp);
    Path json = c.resolve("case.json");
    String text = Files.readString(json);
    Files.writeString(json, text.replace("\"postnorm\"", "\"midnorm\""));
    assertTrue(conformance(tmp, "--backend", "reference").out()
        .contains("case lact_plain_L40_c16: case.json: unknown variant 'midnorm'"));
    Files.writeString(json, text.replace("lact_swiglu_block_causal", "lact_gelu"));
    assertTrue(conformance(tmp, "--backend", "reference").out()
        .contains("case lact_plain_L40_c16: case.json: unknown op 'lact_gelu'"));
    Files.writeString(json, text.replace("\"use_muon\": false", "\"use_muon\": \"maybe\""));
    assertTrue(conformance(tmp, "--backend", "reference").out()
        .contains("unknown value \"maybe\" for 'use_muon'"));
  }

  @Test
  void optionAndEnvironmentErrorsAreOneLineWithStatusTwo() {
    CliTestSupport.Run missing = conformance(tmp.resolve("nope"));
    assertEquals(2, missing.status());
    assertTrue(missing.err().startsWith("error: fixtures directory") && missing.err().strip().lines().count() == 1,
        missing.err());
    CliTestSupport.Run dtype = conformance(CliTestSupport.fixtures(), "--backend", "reference", "--dtype", "float32");
    assertEquals(2, dtype.status());
    assertTrue(dtype.err().contains("backend 'reference' does not support dtype float32"), dtype.err());
    CliTestSupport.Run badDtype = conformance(CliTestSupport.fixtures(), "--dtype", "float8");
    assertEquals(2, badDtype.status());
    assertTrue(badDtype.err().contains("unknown dtype 'float8'"), badDtype.err());
    CliTestSupport.Run backend = conformance(CliTestSupport.fixtures(), "--backend", "tpu");
    assertEquals(2, backend.status());
    assertTrue(backend.err().contains("unknown backend 'tpu'"), backend.err());
    CliTestSupport.Run empty = conformance(tmp, "--backend", "reference");
    assertEquals(2, empty.status());
    assertTrue(empty.err().contains("holds no case folders"), empty.err());
  }

  @Test
  void unknownSubcommandsAndOptionsAreOneLine() {
    CliTestSupport.Run r = CliTestSupport.run("bench", "foo");
    assertEquals(2, r.status());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().startsWith("error: ") && r.err().contains("--help"), r.err());
    r = CliTestSupport.run("conformance", "--fixtures");
    assertEquals(2, r.status());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }

  @Test
  void everyCommandHasHelp() {
    assertEquals(0, CliTestSupport.run("conformance", "--help").status());
    assertEquals(0, CliTestSupport.run("bench", "lact-op", "--help").status());
    assertTrue(CliTestSupport.run("bench", "--help").out().contains("lact-op"));
  }
}
