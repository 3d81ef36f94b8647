package org.lactspark.model.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/** Turns header JSON into checked entries: every per-tensor rule of the format lives here. */
final class HeaderParser {
  static final String METADATA_KEY = "__metadata__";
  private static final Set<String> ENTRY_KEYS = Set.of("dtype", "shape", "data_offsets");

  private HeaderParser() {}

  /**
   * @param bufferLength the size of the byte buffer that follows the header
   * @param dataStart the file position of the byte buffer
   */
  static Header parse(String json, long bufferLength, long dataStart, String source)
      throws IOException {
    JsonNode root = StrictJson.readObject(json, source, "header");
    Map<String, String> metadata = Map.of();
    List<TensorInfo> tensors = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (field.getKey().equals(METADATA_KEY)) {
        metadata = metadata(field.getValue(), source);
      } else {
        tensors.add(tensor(field.getKey(), field.getValue(), bufferLength, source));
      }
    }
    return new Header(BufferLayout.check(tensors, bufferLength, source), metadata, dataStart);
  }

  private static Map<String, String> metadata(JsonNode node, String source) throws IOException {
    if (node.isNull()) {
      return Map.of(); // the reference implementation reads null as "no metadata"
    }
    if (!node.isObject()) {
      throw new IOException(source + ": " + METADATA_KEY + " must be an object of strings, not "
          + node.getNodeType());
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new IOException(source + ": " + METADATA_KEY + " value of '" + e.getKey()
            + "' must be a string, not " + e.getValue());
      }
      out.put(e.getKey(), e.getValue().textValue());
    }
    return out;
  }

  private static TensorInfo tensor(String name, JsonNode node, long bufferLength, String source)
      throws IOException {
    String where = source + ": tensor '" + name + "': ";
    if (!node.isObject()) {
      throw new IOException(where + "entry must be an object with dtype, shape and data_offsets");
    }
    for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!ENTRY_KEYS.contains(key)) {
        throw new IOException(where + "unknown key '" + key
            + "' (an entry has only dtype, shape and data_offsets)");
      }
    }
    StDType dtype = dtype(required(node, "dtype", where), where);
    long[] shape = integers(required(node, "shape", where), "shape", where);
    for (long d : shape) {
      if (d < 0) {
        throw new IOException(where + "shape " + list(shape) + " has a negative dimension");
      }
    }
    long[] offsets = integers(required(node, "data_offsets", where), "data_offsets", where);
    if (offsets.length != 2 || offsets[0] < 0 || offsets[1] < 0) {
      throw new IOException(where + "data_offsets " + list(offsets)
          + " must be two non-negative integers [begin, end]");
    }
    long begin = offsets[0];
    long end = offsets[1];
    if (end < begin) {
      throw new IOException(where + "data_offsets [" + begin + ", " + end + "] end before they begin");
    }
    long needed = byteSize(dtype, shape, where);
    if (end - begin != needed) {
      throw new IOException(where + "data_offsets [" + begin + ", " + end + "] hold " + (end - begin)
          + " bytes but " + dtype + " " + list(shape) + " needs " + needed);
    }
    if (end > bufferLength) {
      throw new IOException(where + "data_offsets [" + begin + ", " + end
          + "] run past the end of the byte buffer, which holds " + bufferLength
          + " bytes (offsets out of range; truncated file?)");
    }
    return new TensorInfo(name, dtype, shape, begin, end);
  }

  private static JsonNode required(JsonNode entry, String key, String where) throws IOException {
    JsonNode value = entry.get(key);
    if (value == null) {
      throw new IOException(where + "missing '" + key + "'");
    }
    return value;
  }

  private static StDType dtype(JsonNode node, String where) throws IOException {
    if (!node.isTextual()) {
      throw new IOException(where + "dtype must be a string, not " + node);
    }
    String name = node.textValue();
    return StDType.fromFormatName(name)
        .orElseThrow(() -> new IOException(where + StDType.whyUnsupported(name)));
  }

  /** The integers of a JSON array; signs are checked by the caller, which knows what they mean. */
  private static long[] integers(JsonNode node, String key, String where)
      throws IOException {
    if (!node.isArray()) {
      throw new IOException(where + key + " must be an array of integers, not " + node);
    }
    long[] out = new long[node.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = node.get(i);
      if (!v.isIntegralNumber() || !v.canConvertToLong()) {
        throw new IOException(where + key + " " + node + " holds " + v
            + ", which is not an integer that fits 64 bits");
      }
      out[i] = v.longValue();
    }
    return out;
  }

  private static long byteSize(StDType dtype, long[] shape, String where) throws IOException {
    try {
      long n = dtype.byteSize();
      for (long d : shape) {
        n = Math.multiplyExact(n, d);
      }
      return n;
    } catch (ArithmeticException e) {
      throw new IOException(where + dtype + " " + list(shape) + " needs more than 2^63 bytes", e);
    }
  }

  private static String list(long[] values) {
    StringJoiner j = new StringJoiner(", ", "[", "]");
    for (long v : values) {
      j.add(Long.toString(v));
    }
    return j.toString();
  }
}
