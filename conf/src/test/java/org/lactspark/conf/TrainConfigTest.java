package org.lactspark.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lactspark.conf.load.TrainConfigLoader;

/** The train configuration's engine key, and rules checked when a configuration is built directly. */
class TrainConfigTest {
  @Test
  void theEngineIsAutoByDefault() throws Exception {
    TrainConfig c = TrainConfigLoader.load(null, List.of());
    assertEquals("auto", c.engine());
    assertEquals("default", c.sources().get("engine"));
    TrainConfig cuda = TrainConfigLoader.load(null, List.of("engine=cuda"));
    assertEquals("cuda", cuda.engine());
    assertEquals("command line", cuda.sources().get("engine"));
  }

  @Test
  void anUnknownEngineIsNamedWithItsSource(@TempDir Path dir) throws Exception {
    ConfigException e = assertThrows(ConfigException.class, () -> TrainConfigLoader.load(null, List.of("engine=gpu")));
    assertEquals("engine = gpu (command line): must be one of auto, nd4j, cuda", e.getMessage());
    Path f = Files.writeString(dir.resolve("t.json"), "{\n  \"steps\": 5,\n  \"engine\": \"CUDA\"\n}");
    ConfigException file = assertThrows(ConfigException.class, () -> TrainConfigLoader.load(f, List.of()));
    assertEquals("engine = CUDA (file t.json line 3): must be one of auto, nd4j, cuda", file.getMessage());
  }

  @Test
  void aConfigurationBuiltDirectlyIsCheckedToo() throws Exception {
    TrainConfig c = TrainConfigLoader.load(null, List.of());
    Map<String, Object> values = new LinkedHashMap<>(c.values());
    Map<String, String> sources = new LinkedHashMap<>(c.sources());
    values.put("engine", "tpu");
    sources.put("engine", "checkpoint step-3");
    sources.put("steps", "command line");
    ConfigException e = assertThrows(ConfigException.class, () -> new TrainConfig(values, sources));
    assertEquals("engine = tpu (checkpoint step-3): must be one of auto, nd4j, cuda", e.getMessage());
    values.put("engine", "nd4j");
    values.put("steps", "5");
    ConfigException type = assertThrows(ConfigException.class, () -> new TrainConfig(values, sources));
    assertEquals("steps = 5 (command line): must be an integer", type.getMessage());
    values.put("steps", 0);
    ConfigException steps = assertThrows(ConfigException.class, () -> new TrainConfig(values, sources));
    assertEquals("steps = 0 (command line): must be >= 1", steps.getMessage());
  }
}
