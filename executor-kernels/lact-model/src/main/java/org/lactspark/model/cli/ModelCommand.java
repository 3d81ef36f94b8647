package org.lactspark.model.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.cli.CliExtension;
import org.lactspark.kernel.cli.ModelChoice;
import org.lactspark.model.graph.LactModels;
import org.lactspark.model.graph.ModelFiles;
import org.lactspark.model.official.OfficialCheckpoint;
import org.lactspark.model.safetensors.StDType;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code model import} and {@code model export}: official Hugging Face model directories
 * ({@code config.json} + safetensors) in and out of the project's model file; {@code model golden}:
 * a golden case of this project's model for another backend to match.
 */
@Command(
    name = "model",
    mixinStandardHelpOptions = true,
    description = "Move models between the official format (config.json + safetensors) and the project's model file.",
    subcommands = {ModelCommand.Import.class, ModelCommand.Export.class, ModelCommand.Golden.class})
public final class ModelCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "say 'model import', 'model export' or 'model golden'");
  }

  /** Mounts {@code model} at the top level. */
  public static final class Extension implements CliExtension {
    @Override
    public String parent() {
      return "";
    }

    @Override
    public Object command() {
      return new ModelCommand();
    }
  }

  /** {@code model import}. */
  @Command(
      name = "import",
      mixinStandardHelpOptions = true,
      description = {
        "Read an official LaCT model directory (config.json plus model.safetensors, or shards listed in",
        "model.safetensors.index.json; weights in F32, BF16, F16 or F64) and write the project's model file.",
        "Every tensor is checked by name and shape before anything is written; the file appears whole or not at all."
      })
  static final class Import implements Callable<Integer> {
    @Option(names = "--from", required = true, paramLabel = "DIR", description = "Official model directory.")
    Path from;

    @Option(names = "--to", required = true, paramLabel = "FILE", description = "Project model file to write (.zip).")
    Path to;

    @Option(names = "--dtype", defaultValue = "float32", paramLabel = "DTYPE",
        description = "Parameter type of the model file: float32 or float64 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      DataType dt = switch (dtype) {
        case "float32" -> DataType.FLOAT;
        case "float64" -> DataType.DOUBLE;
        default -> throw new CommandLine.ParameterException(spec.commandLine(),
            "--dtype must be float32 or float64, got " + dtype);
      };
      OfficialCheckpoint.Imported m = OfficialCheckpoint.read(from, LactModels.Options.defaults().withDataType(dt));
      ModelFiles.save(m.graph(), m.config(), to, false);
      PrintWriter out = spec.commandLine().getOut();
      out.printf(Locale.ROOT, "imported %s -> %s (%d parameters, %s)%n", from, to, m.graph().numParams(), dtype);
      out.flush();
      return 0;
    }
  }

  /** {@code model export}. */
  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description = {
        "Write a project model file as an official LaCT model directory: config.json (every LaCTSWIGLUConfig",
        "field) and model.safetensors with the official state_dict names, in F32 or BF16. The directory must",
        "not exist or be empty; it is written under a temporary name and renamed into place."
      })
  static final class Export implements Callable<Integer> {
    @Option(names = "--from", required = true, paramLabel = "FILE", description = "Project model file.")
    Path from;

    @Option(names = "--to", required = true, paramLabel = "DIR", description = "Official model directory to create.")
    Path to;

    @Option(names = "--dtype", defaultValue = "float32", paramLabel = "DTYPE",
        description = "Weight type: float32 or bfloat16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      StDType st = switch (dtype) {
        case "float32" -> StDType.F32;
        case "bfloat16" -> StDType.BF16;
        default -> throw new CommandLine.ParameterException(spec.commandLine(),
            "--dtype must be float32 or bfloat16, got " + dtype);
      };
      ModelConfig config = ModelFiles.config(from);
      ComputationGraph graph = ModelFiles.load(from, false);
      OfficialCheckpoint.write(graph, config, to, st);
      PrintWriter out = spec.commandLine().getOut();
      out.printf(Locale.ROOT, "exported %s -> %s (%d parameters, %s)%n", from, to, graph.numParams(), dtype);
      out.flush();
      return 0;
    }
  }

  /** {@code model golden}. */
  @Command(
      name = "golden",
      mixinStandardHelpOptions = true,
      description = {
        "Write a golden case of this project's model, computed on ND4J in float64, in the format of",
        "fixtures/lact-model (README there): seeded parameters and tokens, logits, loss and every parameter",
        "gradient, with float32 tolerances measured from the float32 ND4J model. Another backend of the whole",
        "model checks itself with: bin/lact conformance --model-fixtures PARENT_OF_OUT --backend NAME."
      })
  static final class Golden implements Callable<Integer> {
    @CommandLine.Mixin ModelChoice model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Case folder to write (new or empty).")
    Path out;

    @Option(names = "--batch", defaultValue = "2", description = "Sequences (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--length", defaultValue = "160", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int length;

    @Option(names = "--seed", defaultValue = "7", description = "Seed of the parameters and tokens (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--documents",
        description = "Cut rows into several documents and end the last in padding (documents.npy, the sequence mask).")
    boolean documents;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      org.lactspark.conf.ModelConfig c = model.config(spec.commandLine());
      org.lactspark.model.golden.ModelGoldenWriter.Shape shape;
      try {
        shape = new org.lactspark.model.golden.ModelGoldenWriter.Shape(batch, length, seed, documents);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage().replace("seqLen", "--length")
            .replace("batch =", "--batch ="));
      }
      org.lactspark.model.golden.ModelGoldenWriter.write(c, shape, out);
      PrintWriter pw = spec.commandLine().getOut();
      pw.printf(Locale.ROOT, "wrote %s: %s, batch %d x %d tokens, seed %d; check a backend with: "
          + "bin/lact conformance --model-fixtures %s --backend NAME --dtype float64%n",
          out, model.label(), batch, length, seed, out.toAbsolutePath().getParent());
      pw.flush();
      return 0;
    }
  }
}
