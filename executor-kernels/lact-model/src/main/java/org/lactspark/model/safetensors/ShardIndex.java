package org.lactspark.model.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads {@code model.safetensors.index.json}: its {@code "weight_map"} from tensor name to shard
 * file. Other keys (such as {@code "metadata": {"total_size": ...}}) are not needed and ignored.
 */
final class ShardIndex {
  static final String INDEX_FILE = "model.safetensors.index.json";

  private ShardIndex() {}

  /** Tensor name to shard file name, in index order. */
  static Map<String, String> weightMap(Path indexFile) throws IOException {
    String source = indexFile.toString();
    String json;
    try {
      json = Files.readString(indexFile, StandardCharsets.UTF_8);
    } catch (CharacterCodingException e) {
      throw new IOException(source + ": index is not valid UTF-8", e);
    }
    JsonNode map = StrictJson.readObject(json, source, "index").get("weight_map");
    if (map == null || !map.isObject()) {
      throw new IOException(source + ": index has no \"weight_map\" object");
    }
    if (map.isEmpty()) {
      throw new IOException(source + ": weight_map lists no tensors");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new IOException(source + ": weight_map entry for tensor '" + e.getKey()
            + "' must be a shard file name, not " + e.getValue());
      }
      out.put(e.getKey(), e.getValue().textValue());
    }
    return out;
  }

  /**
   * The shard's path inside {@code dir}. A name that could reach outside the checkpoint directory
   * (absolute, or with a {@code ..} segment) is rejected: an index must not make the reader open
   * arbitrary files.
   */
  static Path resolveShard(Path dir, String shard, String tensor, String source)
      throws IOException {
    String problem = null;
    if (shard.isEmpty()) {
      problem = "is empty";
    } else if (shard.startsWith("/") || shard.startsWith("\\")) {
      problem = "is absolute";
    } else {
      for (String segment : shard.split("[/\\\\]")) {
        if (segment.equals("..")) {
          problem = "contains '..'";
        }
      }
    }
    Path resolved = null;
    if (problem == null) {
      try {
        Path relative = Path.of(shard);
        Path base = dir.toAbsolutePath().normalize();
        resolved = base.resolve(relative).normalize();
        if (relative.isAbsolute() || !resolved.startsWith(base)) {
          problem = "is outside the checkpoint directory";
        }
      } catch (InvalidPathException e) {
        problem = "is not a valid path (" + e.getReason() + ")";
      }
    }
    if (problem != null) {
      throw new IOException(source + ": shard file name '" + shard + "' of tensor '" + tensor
          + "' " + problem + "; shard names must be relative to " + dir + " and stay inside it");
    }
    return resolved;
  }
}
