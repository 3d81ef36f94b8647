package org.lactspark.kernel.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactInputs;
import org.lactspark.kernel.LactSpec;
import org.lactspark.kernel.NormPlacement;

/** Lists and loads golden-vector case folders (format: {@code fixtures/lact-op/README.md}). */
public final class GoldenCases {
  /** Value of {@code op} for the LaCT op. */
  public static final String OP_LACT = "lact_swiglu_block_causal";
  /** Value of {@code op} for Newton-Schulz. */
  public static final String OP_NS = "newton_schulz5";
  /** The gradients a LaCT case stores, in report order. */
  public static final List<String> LACT_INPUTS =
      List.of("w0", "w1", "w2", "q", "k", "v", "lr0", "lr1", "lr2", "momentum");

  private static final ObjectMapper JSON = new ObjectMapper();

  private GoldenCases() {}

  /**
   * The case folders directly under {@code root}, sorted by name.
   *
   * @throws IOException if {@code root} is not a readable directory or holds no case folder
   */
  public static List<Path> list(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      throw new IOException("fixtures directory " + root + " does not exist or is not a directory");
    }
    List<Path> dirs = new ArrayList<>();
    try (Stream<Path> s = Files.list(root)) {
      s.filter(Files::isDirectory).sorted().forEach(dirs::add);
    }
    if (dirs.isEmpty()) {
      throw new IOException("fixtures directory " + root + " holds no case folders");
    }
    return dirs;
  }

  /** Loads one case folder, checking every field and shape. */
  public static GoldenCase load(Path dir) throws GoldenCaseException {
    String name = dir.getFileName().toString();
    JsonNode json = readJson(name, dir.resolve("case.json"));
    String op = text(name, json, "op");
    return switch (op) {
      case OP_LACT -> loadLact(name, dir, json);
      case OP_NS -> loadNs(name, dir, json);
      default -> throw new GoldenCaseException(
          "case " + name + ": case.json: unknown op '" + op + "' (expected " + OP_LACT + " or " + OP_NS + ")");
    };
  }

  private static GoldenCase loadLact(String name, Path dir, JsonNode json) throws GoldenCaseException {
    String variant = text(name, json, "variant");
    NormPlacement norm = switch (variant) {
      case "postnorm" -> NormPlacement.POSTNORM;
      case "prenorm" -> NormPlacement.PRENORM;
      default -> throw new GoldenCaseException(
          "case " + name + ": case.json: unknown variant '" + variant + "' (expected postnorm or prenorm)");
    };
    boolean muon = bool(name, json, "use_muon");
    boolean momentum = bool(name, json, "use_momentum");
    int n = integer(name, json, "n");
    int dIn = integer(name, json, "d_in");
    int dH = integer(name, json, "d_h");
    int len = integer(name, json, "seq_len");
    int chunk = integer(name, json, "chunk_size");
    LactSpec spec;
    try {
      spec = LactSpec.blockCausal(chunk, muon, momentum).withNorm(norm);
    } catch (IllegalArgumentException e) {
      throw new GoldenCaseException("case " + name + ": case.json: " + e.getMessage(), e);
    }
    Map<String, int[]> shapes = new HashMap<>();
    shapes.put("w0", new int[] {n, dH, dIn});
    shapes.put("w2", new int[] {n, dH, dIn});
    shapes.put("w1", new int[] {n, dIn, dH});
    for (String t : List.of("q", "k", "v")) {
      shapes.put(t, new int[] {n, len, dIn});
    }
    for (String t : List.of("lr0", "lr1", "lr2", "momentum")) {
      shapes.put(t, new int[] {n, len, 1});
    }
    Map<String, HostTensor> in = new HashMap<>();
    Map<String, HostTensor> grads = new HashMap<>();
    for (String t : LACT_INPUTS) {
      if (t.equals("momentum") && !momentum) {
        continue;
      }
      in.put(t, tensor(name, dir, t, shapes.get(t)));
      grads.put(t, tensor(name, dir, "grad_" + t, shapes.get(t)));
    }
    int[] outShape = {n, len, dIn};
    LactInputs inputs;
    try {
      inputs = LactInputs.of(in.get("w0"), in.get("w1"), in.get("w2"), in.get("q"), in.get("k"), in.get("v"),
          in.get("lr0"), in.get("lr1"), in.get("lr2"), in.get("momentum"));
    } catch (IllegalArgumentException e) {
      throw new GoldenCaseException("case " + name + ": " + e.getMessage(), e);
    }
    return new GoldenCase.LactOpCase(name, dir, spec, inputs, tensor(name, dir, "dO", outShape),
        tensor(name, dir, "O", outShape), grads, bf16Errors(name, dir));
  }

  private static GoldenCase loadNs(String name, Path dir, JsonNode json) throws GoldenCaseException {
    JsonNode shapeNode = json.get("shape");
    if (shapeNode == null || !shapeNode.isArray() || shapeNode.size() != 3) {
      throw new GoldenCaseException("case " + name + ": case.json: field 'shape' must be [b, rows, cols]");
    }
    int[] shape = new int[3];
    for (int i = 0; i < 3; i++) {
      shape[i] = shapeNode.get(i).asInt();
    }
    return new GoldenCase.NewtonSchulzCase(name, dir, tensor(name, dir, "G", shape),
        tensor(name, dir, "X", shape), tensor(name, dir, "dX", shape), tensor(name, dir, "grad_G", shape));
  }

  private static Map<String, Double> bf16Errors(String name, Path dir) throws GoldenCaseException {
    Path file = dir.resolve("official_bf16_error.json");
    if (!Files.exists(file)) {
      return Map.of();
    }
    JsonNode rel = readJson(name, file).get("rel_err");
    Map<String, Double> out = new HashMap<>();
    if (rel != null) {
      for (Iterator<Map.Entry<String, JsonNode>> it = rel.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        out.put(e.getKey(), e.getValue().asDouble());
      }
    }
    return out;
  }

  private static HostTensor tensor(String name, Path dir, String tensor, int[] shape)
      throws GoldenCaseException {
    Path file = dir.resolve(tensor + ".npy");
    HostTensor t;
    try {
      t = Npy.read(file, "file " + file.getFileName());
    } catch (NoSuchFileException e) {
      throw new GoldenCaseException("case " + name + ": missing file " + file.getFileName(), e);
    } catch (IOException e) {
      throw new GoldenCaseException("case " + name + ": " + e.getMessage(), e);
    }
    if (!t.hasShape(shape)) {
      throw new GoldenCaseException("case " + name + ": file " + file.getFileName() + ": shape "
          + t.shapeString() + " but case.json implies " + Arrays.toString(shape));
    }
    return t;
  }

  private static JsonNode readJson(String name, Path file) throws GoldenCaseException {
    try {
      return JSON.readTree(file.toFile());
    } catch (java.io.FileNotFoundException | NoSuchFileException e) {
      throw new GoldenCaseException("case " + name + ": missing file " + file.getFileName(), e);
    } catch (IOException e) {
      throw new GoldenCaseException("case " + name + ": file " + file.getFileName() + " is not valid JSON: "
          + e.getMessage().lines().findFirst().orElse(""), e);
    }
  }

  private static JsonNode field(String name, JsonNode json, String key) throws GoldenCaseException {
    JsonNode v = json.get(key);
    if (v == null || v.isNull()) {
      throw new GoldenCaseException("case " + name + ": case.json: missing field '" + key + "'");
    }
    return v;
  }

  private static String text(String name, JsonNode json, String key) throws GoldenCaseException {
    JsonNode v = field(name, json, key);
    if (!v.isTextual()) {
      throw new GoldenCaseException("case " + name + ": case.json: field '" + key + "' must be a string, got " + v);
    }
    return v.asText();
  }

  private static boolean bool(String name, JsonNode json, String key) throws GoldenCaseException {
    JsonNode v = field(name, json, key);
    if (!v.isBoolean()) {
      throw new GoldenCaseException(
          "case " + name + ": case.json: unknown value " + v + " for '" + key + "' (expected true or false)");
    }
    return v.asBoolean();
  }

  private static int integer(String name, JsonNode json, String key) throws GoldenCaseException {
    JsonNode v = field(name, json, key);
    if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1) {
      throw new GoldenCaseException(
          "case " + name + ": case.json: field '" + key + "' must be a positive integer, got " + v);
    }
    return v.asInt();
  }
}
