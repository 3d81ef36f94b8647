package org.lactspark.kernel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.load.ModelConfigLoader;
import org.lactspark.conf.official.OfficialConfig;
import org.lactspark.conf.preset.Presets;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options that choose a model for a command ({@code --preset}, {@code --model-config}, {@code
 * --set}), as a picocli mixin: a preset (default {@code tiny}), or a project or official {@code
 * config.json}, with key overrides.
 */
public final class ModelChoice {
  @Option(names = "--preset", description = "Model preset (default: tiny unless --model-config is given).")
  String preset;

  @Option(names = "--model-config", paramLabel = "FILE",
      description = "A model config file instead of a preset: the project's JSON or an official config.json.")
  Path modelConfig;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a model key (repeatable).")
  List<String> overrides = new ArrayList<>();

  /**
   * The chosen config, validated.
   *
   * @throws CommandLine.ParameterException if both a preset and a file are given
   * @throws IOException if the file cannot be read or is not JSON, naming it
   */
  public ModelConfig config(CommandLine cl) throws IOException {
    if (modelConfig == null) {
      return Presets.load(preset == null ? "tiny" : preset, overrides);
    }
    if (preset != null) {
      throw new CommandLine.ParameterException(cl, "give --preset or --model-config, not both");
    }
    String text = Files.readString(modelConfig);
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(text);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(modelConfig + ": not JSON (" + e.getOriginalMessage() + ")", e);
    }
    if (root != null && root.isObject() && OfficialConfig.isOfficial(root)) {
      ModelConfig official = OfficialConfig.read(root, modelConfig.toString());
      text = ModelConfigLoader.toJson(official);
      if (overrides.isEmpty()) {
        return official;
      }
    }
    return ModelConfigLoader.load(new StringReader(text), modelConfig.toString(), overrides);
  }

  /** A short name of the choice for reports: the file's name or the preset. */
  public String label() {
    return modelConfig != null ? modelConfig.getFileName().toString() : preset == null ? "tiny" : preset;
  }
}
