package org.lactspark.driver.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.lactspark.data.dataset.Manifest;
import org.lactspark.data.hadoop.TokenizerFiles;
import org.lactspark.data.probe.Probe;
import org.lactspark.data.probe.ProbeDatasets;
import org.lactspark.data.tokenize.TokenizerSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lact prepare probes}: synthetic long-context probes (needle in a haystack, multi-query
 * key-value recall) as a dataset with the answer spans marked, in the tokens of a given tokenizer.
 * No Spark: the examples are generated on the driver.
 */
@Command(
    name = "probes",
    mixinStandardHelpOptions = true,
    description = {"Write synthetic long-context probes as a dataset (one split per probe, answers marked).",
        "Probe names: niah-L<length>-d<depth> (needle in a haystack at a depth in [0, 1]),",
        "mqar-L<length>-k<pairs>[-d<depth>] (multi-query key-value recall)."})
public final class ProbesCommand implements Callable<Integer> {
  /** The probes written when none are named: five needle depths and a recall task at 2048 tokens. */
  static final List<String> DEFAULT_PROBES = List.of("niah-L2048-d0.00", "niah-L2048-d0.25", "niah-L2048-d0.50",
      "niah-L2048-d0.75", "niah-L2048-d1.00", "mqar-L2048-k16");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = {"-o", "--out"}, defaultValue = "lact-work/datasets/probes", paramLabel = "DIR",
      description = "Dataset directory to write (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = {"-p", "--probe"}, paramLabel = "NAME", description = "A probe; repeatable (default: "
      + "niah-L2048 at depths 0, 0.25, 0.5, 0.75, 1 and mqar-L2048-k16).")
  List<String> probes = new ArrayList<>();

  @Option(names = "--examples", defaultValue = "32", paramLabel = "N",
      description = "Examples per probe (default: ${DEFAULT-VALUE}).")
  int examples;

  @Option(names = "--seed", defaultValue = "1234", paramLabel = "S", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--tokenizer", defaultValue = "byte", paramLabel = "SPEC",
      description = "byte, or the tokenizer.json the training data used (default: ${DEFAULT-VALUE}).")
  String tokenizer;

  @Option(names = "--overwrite", description = "Replace a dataset already in the directory.")
  boolean overwrite;

  @Override
  public Integer call() throws IOException {
    List<Probe> parsed = new ArrayList<>();
    for (String name : probes.isEmpty() ? DEFAULT_PROBES : probes) {
      parsed.add(Probe.parse(name));
    }
    TokenizerSpec spec0 = TokenizerFiles.load(tokenizer, false, false, "", "", "--tokenizer", new Configuration());
    Manifest m;
    try {
      m = ProbeDatasets.write(out, parsed, examples, seed, spec0.open(), spec0.identity().sha256(), overwrite);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      throw new IOException("output " + out + " already holds a dataset: choose another directory or pass --overwrite",
          e);
    }
    PrintWriter o = spec.commandLine().getOut();
    o.printf(Locale.ROOT, "wrote %d probes x %d examples to %s (tokenizer %s)%n", parsed.size(), examples, out,
        m.tokenizer().name());
    for (Map.Entry<String, List<Manifest.Shard>> e : m.splits().entrySet()) {
      long tokens = e.getValue().stream().mapToLong(Manifest.Shard::tokens).sum();
      o.printf(Locale.ROOT, "  %-22s %d examples, %.0f tokens each%n", e.getKey(),
          e.getValue().stream().mapToLong(Manifest.Shard::records).sum(), (double) tokens / examples);
    }
    o.flush();
    return 0;
  }
}
