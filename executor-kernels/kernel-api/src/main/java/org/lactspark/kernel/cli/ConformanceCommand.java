package org.lactspark.kernel.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.golden.ConformanceRunner;
import org.lactspark.kernel.golden.GoldenCases;
import org.lactspark.kernel.golden.GoldenSuite;
import org.lactspark.kernel.spi.KernelBackend;
import org.lactspark.kernel.spi.KernelBackends;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code conformance}: runs every golden-vector case folder under a directory on one backend. */
@Command(
    name = "conformance",
    mixinStandardHelpOptions = true,
    description = {
      "Check the LaCT op, layer or model against golden vectors: one line per case, then",
      "'N passed, M failed'. The folder's README says which (fixtures/lact-op, lact-layer, lact-model).",
      "Runs every case folder under --fixtures (format: fixtures/lact-op/README.md), compares the",
      "output and every gradient with the stored ones and prints each case's largest relative",
      "error. Exit status: 0 if every case passes, 1 if any fails, 2 for bad options or input."
    })
public final class ConformanceCommand implements Callable<Integer> {
  @Option(names = "--fixtures", paramLabel = "DIR",
      description = "Directory of case folders, e.g. fixtures/lact-op; its README's title says op, layer or model.")
  Path fixtures;

  @Option(names = "--layer-fixtures", paramLabel = "DIR",
      description = "Directory of LaCT-layer cases (format: fixtures/lact-layer/README.md).")
  Path layerFixtures;

  @Option(names = "--model-fixtures", paramLabel = "DIR",
      description = "Directory of language-model cases (format: fixtures/lact-model/README.md).")
  Path modelFixtures;

  @Option(names = "--dtype", defaultValue = "float64", paramLabel = "DTYPE",
      description = "float64, float32 or bfloat16 (default: ${DEFAULT-VALUE}).")
  String dtype;

  @Option(names = "--backend", defaultValue = "auto", paramLabel = "NAME",
      description = "Backend name (reference, nd4j, ...) or auto for the preferred available one (default: ${DEFAULT-VALUE}).")
  String backend;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    int given = (fixtures != null ? 1 : 0) + (layerFixtures != null ? 1 : 0) + (modelFixtures != null ? 1 : 0);
    if (given != 1) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "give exactly one of --fixtures, --layer-fixtures and --model-fixtures");
    }
    DType type = DType.parse(dtype);
    Path fixtures = this.fixtures != null ? this.fixtures : layerFixtures != null ? layerFixtures : modelFixtures;
    List<Path> cases = GoldenCases.list(fixtures);
    // the backend is chosen once the arguments are known good (choosing may log why one is skipped)
    KernelBackend b = KernelBackends.select(backend);
    GoldenSuite suite;
    if (this.fixtures != null) {
      suite = GoldenSuite.forFixtures(fixtures, b.name());
    } else {
      String kind = layerFixtures != null ? "layer" : "model";
      suite = GoldenSuite.named(kind, b.name());
      if (suite == null) {
        throw new IllegalArgumentException("no " + kind + " conformance suite for backend " + b.name()
            + " on the class path (lact-model missing?)");
      }
    }
    ConformanceRunner runner = new ConformanceRunner(b, type);
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "%s conformance: backend %s (%s), dtype %s, %d cases in %s%n",
        suite == null ? "op" : suite.name(), b.name(), b.description(), type, cases.size(), fixtures);
    int passed = 0;
    for (Path c : cases) {
      ConformanceRunner.CaseResult r = suite == null ? runner.run(c) : suite.run(c, b, type);
      out.println(format(r));
      if (r.passed()) {
        passed++;
      }
    }
    int failed = cases.size() - passed;
    out.printf(Locale.ROOT, "%d passed, %d failed%n", passed, failed);
    out.flush();
    return failed == 0 ? 0 : 1;
  }

  static String format(ConformanceRunner.CaseResult r) {
    if (r.error() != null) {
      return String.format(Locale.ROOT, "%-34s ERROR %s", r.name(), r.error());
    }
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
        "%-34s max rel err %.3e  %s", r.name(), r.maxRelError(), r.passed() ? "PASS" : "FAIL"));
    for (ConformanceRunner.TensorResult t : r.tensors()) {
      if (!t.passed()) {
        line.append(String.format(Locale.ROOT, "  [%s: %s]", t.tensor(), t.failure()));
      }
    }
    return line.toString();
  }
}
