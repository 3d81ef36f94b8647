package org.lactspark.model.safetensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The weights of a Hugging Face checkpoint directory: either shards listed by {@code
 * model.safetensors.index.json}, or a single {@code model.safetensors}. Opening checks that the
 * index and the shards agree exactly (each listed tensor is in its shard, each shard tensor is
 * listed under that shard), so a stale index or a missing shard fails up front rather than as a
 * missing weight much later.
 */
public final class ShardedCheckpoint implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ShardedCheckpoint.class);
  static final String SINGLE_FILE = "model.safetensors";

  private final Path dir;
  private final List<SafetensorsFile> files;
  private final TreeMap<String, SafetensorsFile> fileByTensor;

  private ShardedCheckpoint(Path dir, List<SafetensorsFile> files,
      TreeMap<String, SafetensorsFile> fileByTensor) {
    this.dir = dir;
    this.files = List.copyOf(files);
    this.fileByTensor = fileByTensor;
  }

  /**
   * Opens the checkpoint in {@code dir}.
   *
   * @throws IOException if neither an index nor {@code model.safetensors} is there, if the index
   *     is malformed, names a shard outside {@code dir} or a missing one, if a shard is not a
   *     valid safetensors file, or if index and shards disagree
   */
  public static ShardedCheckpoint open(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException(dir + ": not a directory");
    }
    Path index = dir.resolve(ShardIndex.INDEX_FILE);
    Path single = dir.resolve(SINGLE_FILE);
    if (Files.exists(index)) {
      return openSharded(dir, index);
    }
    if (Files.exists(single)) {
      SafetensorsFile file = SafetensorsFile.open(single);
      TreeMap<String, SafetensorsFile> byTensor = new TreeMap<>();
      for (TensorInfo t : file.tensors()) {
        byTensor.put(t.name(), file);
      }
      return new ShardedCheckpoint(dir, List.of(file), byTensor);
    }
    throw new IOException(dir + ": neither " + ShardIndex.INDEX_FILE + " nor " + SINGLE_FILE
        + " found in the directory");
  }

  private static ShardedCheckpoint openSharded(Path dir, Path index) throws IOException {
    String source = index.toString();
    Map<String, String> weightMap = ShardIndex.weightMap(index);
    Map<Path, SafetensorsFile> shards = new LinkedHashMap<>();
    try {
      TreeMap<String, SafetensorsFile> byTensor = new TreeMap<>();
      Map<String, Path> shardOfTensor = new LinkedHashMap<>();
      for (Map.Entry<String, String> e : weightMap.entrySet()) {
        String tensor = e.getKey();
        Path shardPath = ShardIndex.resolveShard(dir, e.getValue(), tensor, source);
        SafetensorsFile shard = shards.get(shardPath);
        if (shard == null) {
          if (!Files.isRegularFile(shardPath)) {
            throw new IOException(source + ": shard '" + e.getValue() + "' (listed for tensor '"
                + tensor + "') does not exist in " + dir);
          }
          shard = SafetensorsFile.open(shardPath);
          shards.put(shardPath, shard);
        }
        if (shard.info(tensor) == null) {
          throw new IOException(source + ": lists tensor '" + tensor + "' in shard '"
              + e.getValue() + "', but " + shardPath + " has no such tensor");
        }
        byTensor.put(tensor, shard);
        shardOfTensor.put(tensor, shardPath);
      }
      for (Map.Entry<Path, SafetensorsFile> s : shards.entrySet()) {
        for (TensorInfo t : s.getValue().tensors()) {
          Path listed = shardOfTensor.get(t.name());
          if (listed == null) {
            throw new IOException(s.getKey() + ": holds tensor '" + t.name() + "', which "
                + source + " does not list");
          }
          if (!listed.equals(s.getKey())) {
            throw new IOException(s.getKey() + ": holds tensor '" + t.name() + "', which "
                + source + " lists in shard " + listed);
          }
        }
      }
      LOG.debug("{}: {} tensors in {} shards", dir, byTensor.size(), shards.size());
      return new ShardedCheckpoint(dir, new ArrayList<>(shards.values()), byTensor);
    } catch (IOException | RuntimeException e) {
      closeAll(shards.values(), e);
      throw e;
    }
  }

  /** The checkpoint directory. */
  public Path dir() {
    return dir;
  }

  /** Every tensor name, sorted. */
  public Set<String> names() {
    return Collections.unmodifiableSet(fileByTensor.navigableKeySet());
  }

  /** The tensor called {@code name}, or null if the checkpoint has none. */
  public TensorInfo info(String name) {
    SafetensorsFile file = fileByTensor.get(name);
    return file == null ? null : file.info(name);
  }

  /** The file holding tensor {@code name}, or null if the checkpoint has none. */
  public Path fileOf(String name) {
    SafetensorsFile file = fileByTensor.get(name);
    return file == null ? null : file.path();
  }

  /**
   * The tensor's values as floats; see {@link SafetensorsFile#readFloats}.
   *
   * @throws IllegalArgumentException if there is no such tensor or it is not a float type
   */
  public float[] readFloats(String name) throws IOException {
    return require(name).readFloats(name);
  }

  /**
   * The tensor's values as doubles; see {@link SafetensorsFile#readDoubles}.
   *
   * @throws IllegalArgumentException if there is no such tensor or it is not a float type
   */
  public double[] readDoubles(String name) throws IOException {
    return require(name).readDoubles(name);
  }

  private SafetensorsFile require(String name) {
    SafetensorsFile file = fileByTensor.get(name);
    if (file == null) {
      throw new IllegalArgumentException(dir + ": no tensor '" + name + "' in the checkpoint ("
          + fileByTensor.size() + " tensors)");
    }
    return file;
  }

  @Override
  public void close() throws IOException {
    IOException first = new IOException(dir + ": closing the checkpoint failed");
    closeAll(files, first);
    if (first.getSuppressed().length > 0) {
      throw first;
    }
  }

  /** Closes every file, adding each failure to {@code into} so one failure does not leak the rest. */
  private static void closeAll(Iterable<SafetensorsFile> files, Throwable into) {
    for (SafetensorsFile f : files) {
      try {
        f.close();
      } catch (IOException e) {
        into.addSuppressed(e);
      }
    }
  }

  @Override
  public String toString() {
    return "ShardedCheckpoint[" + dir + ", " + fileByTensor.size() + " tensors in " + files.size()
        + " files]";
  }
}
