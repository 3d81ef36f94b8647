package org.lactspark.driver.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints in a directory on any Hadoop filesystem: {@code step-NNNNNNNN/} with the parameters
 * and the optimiser's moments (little-endian float32) and a {@code checkpoint.json} that holds the
 * rest and each file's SHA-256. A checkpoint is written under a temporary name and renamed into
 * place, so one that exists is complete; one whose files do not match their checksums (truncated,
 * corrupted) is skipped for the one before it, with a warning.
 */
public final class CheckpointStore {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final String META = "checkpoint.json";
  private static final String PREFIX = "step-";

  private final FileSystem fs;
  private final Path dir;

  /** The checkpoints under {@code dir}. */
  public CheckpointStore(String dir, Configuration conf) throws IOException {
    Path p = new Path(dir);
    this.fs = p.getFileSystem(conf);
    this.dir = fs.makeQualified(p);
  }

  /** Where they live. */
  public String location() {
    return dir.toString();
  }

  /** Writes {@code c} atomically, then deletes all but the newest {@code keep}; returns its location. */
  public String write(Checkpoint c, int keep) throws IOException {
    String name = name(c.step());
    Path tmp = new Path(dir, "_tmp-" + name + "-" + System.nanoTime());
    fs.mkdirs(tmp);
    Map<String, String> sums = new LinkedHashMap<>();
    sums.put("params.f32", writeFloats(new Path(tmp, "params.f32"), c.params()));
    sums.put("moments.f32", writeFloats(new Path(tmp, "moments.f32"), c.m(), c.v()));
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("step", c.step());
    meta.put("epoch", c.epoch());
    meta.put("shard", c.shard());
    meta.put("record", c.record());
    meta.put("optimizerSteps", c.optimizerSteps());
    meta.put("badInARow", c.badInARow());
    meta.put("seed", c.seed());
    meta.put("loss", c.loss());
    meta.put("params", c.params().length);
    meta.put("config", c.config());
    meta.put("configSources", c.configSources());
    meta.put("model", c.modelJson());
    meta.put("codeVersion", c.codeVersion());
    meta.put("sha256", sums);
    try (OutputStream out = fs.create(new Path(tmp, META), true)) {
      out.write(JSON.writeValueAsBytes(meta));
    }
    Path target = new Path(dir, name);
    if (fs.exists(target)) {
      fs.delete(target, true);
    }
    if (!fs.rename(tmp, target)) {
      throw new IOException("cannot rename " + tmp + " to " + target);
    }
    prune(keep);
    return target.toString();
  }

  private void prune(int keep) throws IOException {
    List<Path> all = steps();
    for (int i = keep; i < all.size(); i++) {
      fs.delete(all.get(i), true);
    }
    for (FileStatus s : fs.listStatus(dir)) {
      if (s.getPath().getName().startsWith("_tmp-")) {
        fs.delete(s.getPath(), true);
      }
    }
  }

  /** The checkpoint directories, newest first. */
  private List<Path> steps() throws IOException {
    List<Path> out = new ArrayList<>();
    if (!fs.exists(dir)) {
      return out;
    }
    for (FileStatus s : fs.listStatus(dir)) {
      if (s.isDirectory() && s.getPath().getName().matches(PREFIX + "\\d+")) {
        out.add(s.getPath());
      }
    }
    out.sort(Comparator.comparing((Path p) -> p.getName()).reversed());
    return out;
  }

  /** The newest checkpoint whose files match their checksums, if any. */
  public Optional<Checkpoint> newest() throws IOException {
    for (Path p : steps()) {
      try {
        return Optional.of(read(p));
      } catch (IOException | RuntimeException e) {
        LOG.warn("checkpoint {} is unusable and is skipped: {}", p, e.getMessage());
      }
    }
    return Optional.empty();
  }

  /** Whether {@code location} names one checkpoint's directory ({@code step-N}), not a run directory. */
  public static boolean isCheckpoint(String location) {
    return new Path(location).getName().matches(PREFIX + "\\d+");
  }

  /** A complete checkpoint's directory and step. */
  public record Entry(int step, String location) {}

  /**
   * The complete checkpoints, newest first. A checkpoint's directory gets its {@code step-N} name
   * only once every file is written (renamed from a temporary name), so a listed one is complete;
   * its checksums are checked when it is read.
   */
  public List<Entry> list() throws IOException {
    List<Entry> out = new ArrayList<>();
    for (Path p : steps()) {
      out.add(new Entry(Integer.parseInt(p.getName().substring(PREFIX.length())), p.toString()));
    }
    return out;
  }

  /**
   * What a checkpoint holds besides its vectors.
   *
   * @param step optimiser steps done
   * @param location its directory
   * @param modelJson the model configuration as JSON
   * @param config the training configuration
   * @param codeVersion the version of the code that wrote it
   */
  public record Header(int step, String location, String modelJson, Map<String, String> config, String codeVersion) {}

  /**
   * The header of the checkpoint in directory {@code location}.
   *
   * @throws IOException if it is missing or unreadable
   */
  @SuppressWarnings("unchecked")
  public static Header header(String location, Configuration conf) throws IOException {
    Path p = new Path(location);
    Map<String, Object> meta = meta(p.getFileSystem(conf), p);
    return new Header(((Number) meta.get("step")).intValue(), location, (String) meta.get("model"),
        (Map<String, String>) meta.get("config"), (String) meta.get("codeVersion"));
  }

  /**
   * The parameters of the checkpoint in directory {@code location}, checked against its checksum
   * (what evaluation needs; the moments are not read).
   *
   * @throws IOException if a file is missing, short, or does not match its checksum
   */
  @SuppressWarnings("unchecked")
  public static float[] params(String location, Configuration conf) throws IOException {
    Path p = new Path(location);
    FileSystem fs = p.getFileSystem(conf);
    Map<String, Object> meta = meta(fs, p);
    Map<String, String> sums = (Map<String, String>) meta.get("sha256");
    return readFloats(fs, new Path(p, "params.f32"), ((Number) meta.get("params")).intValue(), sums.get("params.f32"));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> meta(FileSystem fs, Path dir) throws IOException {
    try (InputStream in = fs.open(new Path(dir, META))) {
      return JSON.readValue(in, Map.class);
    }
  }

  @SuppressWarnings("unchecked")
  private Checkpoint read(Path p) throws IOException {
    Map<String, Object> meta = meta(fs, p);
    Map<String, String> sums = (Map<String, String>) meta.get("sha256");
    int n = ((Number) meta.get("params")).intValue();
    float[] params = readFloats(fs, new Path(p, "params.f32"), n, sums.get("params.f32"));
    float[] moments = readFloats(fs, new Path(p, "moments.f32"), 2 * n, sums.get("moments.f32"));
    float[] m = java.util.Arrays.copyOfRange(moments, 0, n);
    float[] v = java.util.Arrays.copyOfRange(moments, n, 2 * n);
    return new Checkpoint(((Number) meta.get("step")).intValue(), ((Number) meta.get("epoch")).intValue(),
        ((Number) meta.get("shard")).intValue(), ((Number) meta.get("record")).longValue(),
        ((Number) meta.get("optimizerSteps")).longValue(), ((Number) meta.get("badInARow")).intValue(),
        ((Number) meta.get("seed")).intValue(), ((Number) meta.get("loss")).doubleValue(),
        (Map<String, String>) meta.get("config"), (Map<String, String>) meta.get("configSources"),
        (String) meta.get("model"), (String) meta.get("codeVersion"), params, m, v);
  }

  private String writeFloats(Path file, float[]... arrays) throws IOException {
    MessageDigest sha = sha256();
    try (OutputStream out = new DigestOutputStream(new BufferedOutputStream(fs.create(file, true), 1 << 16), sha)) {
      ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
      for (float[] a : arrays) {
        for (float f : a) {
          if (!b.hasRemaining()) {
            out.write(b.array(), 0, b.position());
            b.clear();
          }
          b.putFloat(f);
        }
      }
      out.write(b.array(), 0, b.position());
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static float[] readFloats(FileSystem fs, Path file, int n, String expected) throws IOException {
    MessageDigest sha = sha256();
    float[] out = new float[n];
    // streamed in blocks: a vector of the 760m preset (3.2 GB) is past what one byte[] holds
    try (InputStream in = new DigestInputStream(new BufferedInputStream(fs.open(file), 1 << 16), sha)) {
      byte[] block = new byte[1 << 16];
      ByteBuffer view = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
      int at = 0;
      while (at < n) {
        int want = Math.min(block.length, 4 * (n - at));
        int got = in.readNBytes(block, 0, want);
        if (got != want) {
          throw new IOException(file + ": " + (4L * at + got) + " bytes, expected " + 4L * n);
        }
        view.clear();
        view.asFloatBuffer().get(out, at, want / 4);
        at += want / 4;
      }
      if (in.read() >= 0) {
        throw new IOException(file + ": longer than the " + 4L * n + " bytes expected");
      }
    }
    String got = HexFormat.of().formatHex(sha.digest());
    if (!got.equals(expected)) {
      throw new IOException(file + ": SHA-256 " + got + " does not match the checkpoint's " + expected);
    }
    return out;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String name(int step) {
    return String.format(Locale.ROOT, PREFIX + "%08d", step);
  }
}
