package org.lactspark.driver.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.lactspark.conf.PrepareConfig;
import org.lactspark.conf.load.PrepareConfigLoader;
import org.lactspark.data.dataset.Manifest;
import org.lactspark.data.prepare.BadInputFailure;
import org.lactspark.data.prepare.PrepareJob;
import org.lactspark.data.prepare.PrepareProgress;
import org.lactspark.data.prepare.PrepareResult;
import org.lactspark.data.source.BadInput;
import org.lactspark.data.tokenize.TokenizerSpec;
import org.lactspark.driver.spark.LocalSpark;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lact prepare}: text, JSONL or Parquet to a dataset of packed token sequences, on Spark.
 * With no inputs it prepares the bundled corpus.
 */
@Command(
    name = "prepare",
    mixinStandardHelpOptions = true,
    description = {"Tokenise, pack and shard text into a dataset directory (Spark).",
        "Without --input: the bundled corpus (Dickens, Shakespeare), as paragraphs."},
    subcommands = {ProbesCommand.class})
public final class PrepareCommand implements Callable<Integer> {
  /** Set by bin/lact: where the build unpacked the bundled corpus. */
  static final String CORPUS_PROPERTY = "lact.corpus";
  /** Where a run without --out writes. */
  static final String DEFAULT_OUT = "lact-work/datasets/bundled";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = {"-i", "--input"}, paramLabel = "PATH",
      description = "Input file, directory or glob (any Hadoop URI); repeatable. Sets 'inputs'.")
  List<String> inputs = new ArrayList<>();

  @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Dataset directory to create (default: "
      + DEFAULT_OUT + ").")
  String out;

  @Option(names = "--overwrite", description = "Replace an output directory that already holds anything.")
  boolean overwrite;

  @Option(names = "--config", paramLabel = "FILE", description = "JSON file of prepare keys (see --help-keys).")
  Path config;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Set a prepare key; repeatable, wins over --config.")
  List<String> sets = new ArrayList<>();

  @Option(names = "--format", paramLabel = "FORMAT", description = "Sets 'inputFormat': auto, text, lines, paragraphs,"
      + " jsonl, parquet.")
  String format;

  @Option(names = "--tokenizer", paramLabel = "SPEC", description = "Sets 'tokenizer': byte, or a tokenizer.json.")
  String tokenizer;

  @Option(names = {"-L", "--length"}, paramLabel = "L", description = "Sets 'sequenceLength'.")
  Integer length;

  @Option(names = "--partitions", paramLabel = "N", description = "Sets 'partitions'.")
  Integer partitions;

  @Option(names = "--on-bad-input", paramLabel = "POLICY", description = "Sets 'onBadInput': fail or skip.")
  String onBadInput;

  @Option(names = "--master", defaultValue = "local[*]", paramLabel = "URL",
      description = "Spark master when not run by spark-submit (default: ${DEFAULT-VALUE}).")
  String master;

  @Option(names = "--progress-seconds", defaultValue = "5", paramLabel = "S",
      description = "Seconds between progress lines (default: ${DEFAULT-VALUE}).")
  double progressSeconds;

  @Option(names = "--json", description = "Print the summary as one JSON line.")
  boolean json;

  @Option(names = "--help-keys", description = "List the prepare keys with their defaults and exit.")
  boolean helpKeys;

  @Override
  public Integer call() throws IOException {
    PrintWriter o = spec.commandLine().getOut();
    if (helpKeys) {
      Keys.print(o, org.lactspark.conf.keys.PrepareKeys.ALL);
      return 0;
    }
    PrepareConfig cfg = PrepareConfigLoader.load(config, overrides());
    String target = out != null ? out : DEFAULT_OUT;
    try (JavaSparkContext sc = LocalSpark.start("lact prepare", master)) {
      sc.setLogLevel("WARN");
      TokenizerSpec tok = PrepareJob.tokenizerFor(cfg, sc.hadoopConfiguration());
      PrintWriter err = spec.commandLine().getErr();
      PrepareResult r;
      try {
        r = new PrepareJob(cfg, tok).run(sc, target, overwrite, p -> progress(err, p), progressSeconds);
      } catch (Exception e) {
        // Spark rethrows a task's failure wrapped in its own (checked) SparkException
        BadInputFailure bad = findCause(e, BadInputFailure.class);
        if (bad != null) {
          throw new IOException(bad.getMessage(), e);
        }
        if (e instanceof IOException | e instanceof RuntimeException) {
          throw e;
        }
        throw new IOException("the prepare job failed: " + e.getMessage(), e);
      }
      if (json) {
        o.println(Summary.json(r));
      } else {
        Summary.print(o, r);
      }
      o.flush();
    }
    return 0;
  }

  /** Options as overrides, in the order: --set, then the dedicated options (which win). */
  private List<String> overrides() throws IOException {
    List<String> o = new ArrayList<>(sets);
    if (inputs.isEmpty() && config == null && sets.stream().noneMatch(s -> s.startsWith("inputs="))) {
      o.add(0, "inputs=" + bundledCorpus());
      o.add(1, "inputFormat=paragraphs");
    }
    if (!inputs.isEmpty()) {
      o.add("inputs=" + String.join(",", inputs));
    }
    Keys.override(o, "inputFormat", format);
    Keys.override(o, "tokenizer", tokenizer);
    Keys.override(o, "sequenceLength", length);
    Keys.override(o, "partitions", partitions);
    Keys.override(o, "onBadInput", onBadInput);
    return o;
  }

  private static String bundledCorpus() throws IOException {
    String dir = System.getProperty(CORPUS_PROPERTY);
    if (dir == null || !Files.isDirectory(Path.of(dir))) {
      throw new IOException("no --input given and the bundled corpus was not found (" + (dir == null
          ? "run through bin/lact, which passes -D" + CORPUS_PROPERTY : dir + " is missing: build with 'mvn -DskipTests"
          + " package'") + ")");
    }
    return Path.of(dir).toAbsolutePath().toUri().toString();
  }

  private static void progress(PrintWriter err, PrepareProgress p) {
    String eta = p.etaSeconds() < 0 ? "?" : String.format(Locale.ROOT, "%.0f s", p.etaSeconds());
    err.printf(Locale.ROOT, "prepare [%s] %.0f s: %d/%d files, %s documents, %s tokens, %d/%d shards, %.2f MB/s,"
        + " ETA %s%n", p.stage(), p.seconds(), p.filesDone(), p.files(), Summary.count(p.documents()),
        Summary.count(p.tokens()), p.shardsDone(), p.shards(), p.bytesPerSecond() / 1e6, eta);
    err.flush();
  }

  static <T extends Throwable> T findCause(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  /** The end-of-run summary. */
  static final class Summary {
    private Summary() {}

    static String count(long n) {
      return String.format(Locale.ROOT, "%,d", n);
    }

    static void print(PrintWriter o, PrepareResult r) {
      Manifest m = r.manifest();
      Manifest.Counts c = m.counts();
      o.printf(Locale.ROOT, "prepared %s in %.1f s%n", r.output(), r.seconds());
      o.printf(Locale.ROOT, "  input       %d files, %.2f MB, %s characters; %.2f MB/s, %s tokens/s%n", r.inputFiles(),
          r.inputBytes() / 1e6, count(r.textChars()), r.inputBytes() / 1e6 / r.seconds(),
          count((long) (c.tokens() / r.seconds())));
      o.printf(Locale.ROOT, "  documents   %s (%.1f tokens each); %s blank passed over%n", count(c.documents()),
          r.tokensPerDocument(), count(r.blanks()));
      o.printf(Locale.ROOT, "  tokenizer   %s, %d ids, %d byte(s) per id%n", m.tokenizer().name(),
          m.tokenizer().vocabSize(), m.tokenBytes());
      for (Map.Entry<String, List<Manifest.Shard>> e : m.splits().entrySet()) {
        long seqs = e.getValue().stream().mapToLong(Manifest.Shard::records).sum();
        long toks = e.getValue().stream().mapToLong(Manifest.Shard::tokens).sum();
        o.printf(Locale.ROOT, "  %-11s %s sequences of <= %d tokens, %s tokens, %d shard(s)%n", e.getKey(),
            count(seqs), m.sequenceLength(), count(toks), e.getValue().size());
      }
      o.printf(Locale.ROOT, "  padding     %.2f%% of %s sequence slots (%s packing)%n", 100 * r.paddingFraction(),
          count(c.sequences()), m.config().get("packing"));
      if (r.badInput().total() == 0) {
        o.println("  bad input   none");
      } else {
        o.printf(Locale.ROOT, "  bad input   %s left out: %s; first:%n", count(r.badInput().total()),
            r.badInput().counts());
        for (BadInput b : r.badInput().examples()) {
          o.println("    " + b);
        }
      }
    }

    static String json(PrepareResult r) {
      Manifest.Counts c = r.manifest().counts();
      return String.format(Locale.ROOT, "{\"command\":\"prepare\",\"output\":\"%s\",\"seconds\":%.3f,\"files\":%d,"
          + "\"input_bytes\":%d,\"chars\":%d,\"documents\":%d,\"tokens\":%d,\"sequences\":%d,\"padding_tokens\":%d,"
          + "\"bad_input\":%d,\"mb_per_s\":%.3f,\"tokens_per_s\":%.0f}", r.output().replace("\"", "\\\""), r.seconds(),
          r.inputFiles(), r.inputBytes(), r.textChars(), c.documents(), c.tokens(), c.sequences(), c.paddingTokens(),
          r.badInput().total(), r.inputBytes() / 1e6 / r.seconds(), c.tokens() / r.seconds());
    }
  }
}
