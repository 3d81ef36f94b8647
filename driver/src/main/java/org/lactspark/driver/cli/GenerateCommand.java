package org.lactspark.driver.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.lactspark.conf.ConfigException;
import org.lactspark.data.hadoop.TokenizerFiles;
import org.lactspark.data.tokenize.Tokenizer;
import org.lactspark.data.tokenize.TokenizerSpec;
import org.lactspark.driver.eval.EvalData;
import org.lactspark.driver.eval.EvalModel;
import org.lactspark.model.stream.Generator;
import org.lactspark.model.stream.StreamingModel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lact generate}: greedy continuation of a prompt by a trained checkpoint, one token at a
 * time through the model's streaming state (fast weights, attention window and partial chunk carried
 * per layer), so each new token costs one token's work, not a pass over the whole text.
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = {"Continue a prompt greedily with a trained checkpoint (streaming inference, on this machine).",
        "Default: the newest checkpoint of lact-work/runs/small and the tokenizer of the data it was trained on."})
public final class GenerateCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--checkpoint", defaultValue = "lact-work/runs/small", paramLabel = "DIR",
      description = "A run directory (its newest checkpoint) or a step-N directory (default: ${DEFAULT-VALUE}).")
  String checkpoint;

  @Option(names = "--prompt", paramLabel = "TEXT", description = "The prompt.")
  String prompt;

  @Option(names = "--prompt-file", paramLabel = "FILE", description = "Read the prompt from a UTF-8 file.")
  Path promptFile;

  @Option(names = "--max-tokens", defaultValue = "200", paramLabel = "N",
      description = "Tokens to generate at most (default: ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(names = "--tokenizer", paramLabel = "SPEC",
      description = "byte or a tokenizer.json (default: the one of the dataset the checkpoint was trained on).")
  String tokenizer;

  @Option(names = "--stop-token", paramLabel = "ID",
      description = "Stop after generating this id (default: the tokenizer's EOS, if it has one).")
  Integer stopToken;

  @Option(names = "--json", description = "Print one JSON line: the prompt's and the continuation's ids and text.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    String text = promptText();
    if (maxTokens < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--max-tokens " + maxTokens + ": must be >= 1");
    }
    Configuration conf = new Configuration();
    EvalModel m = EvalModel.resolve("model", checkpoint, "checkpoint", "--checkpoint", conf);
    Tokenizer tok = tokenizer(m, conf).open();
    if (tok.vocabSize() > m.config().vocabSize()) {
      throw new ConfigException("tokenizer", tok.name(), tokenizer == null ? "training dataset" : "--tokenizer",
          tok.vocabSize() + " ids do not fit the model's vocabSize " + m.config().vocabSize());
    }
    int[] ids = promptIds(tok, text);
    int stop = stopToken != null ? stopToken : tok.eosId();
    ComputationGraph g = m.graph(conf);
    long t0 = System.nanoTime();
    int[] out;
    try (StreamingModel s = StreamingModel.of(g, m.config())) {
      out = Generator.greedy(s, ids, maxTokens, stop);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    print(tok, ids, out, text, seconds, m);
    return 0;
  }

  private String promptText() throws IOException {
    if ((prompt == null) == (promptFile == null)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "give the prompt with one of --prompt TEXT or "
          + "--prompt-file FILE");
    }
    String t = prompt != null ? prompt : Files.readString(promptFile, StandardCharsets.UTF_8);
    if (t.isEmpty()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "the prompt is empty");
    }
    return t;
  }

  private TokenizerSpec tokenizer(EvalModel m, Configuration conf) {
    if (tokenizer != null) {
      return TokenizerFiles.load(tokenizer, false, false, "", "", "--tokenizer", conf);
    }
    if (m.trainingDataset() == null) {
      throw new ConfigException("tokenizer", "(none)", "--tokenizer", "checkpoint " + m.location()
          + " does not record its training dataset: give --tokenizer");
    }
    return EvalData.tokenizerOf("tokenizer", m.trainingDataset(), "the checkpoint's training dataset", conf);
  }

  /** The prompt's ids: BOS first when the tokenizer puts one before each document, as training saw. */
  private static int[] promptIds(Tokenizer tok, String text) {
    int[] body = tok.encode(text);
    if (tok.bosId() < 0) {
      return body;
    }
    int[] ids = new int[body.length + 1];
    ids[0] = tok.bosId();
    System.arraycopy(body, 0, ids, 1, body.length);
    return ids;
  }

  private void print(Tokenizer tok, int[] prompt, int[] out, String text, double seconds, EvalModel m)
      throws IOException {
    PrintWriter o = spec.commandLine().getOut();
    String continuation = tok.decode(out);
    if (json) {
      Map<String, Object> j = new LinkedHashMap<>();
      j.put("command", "generate");
      j.put("checkpoint", m.location());
      j.put("prompt", text);
      j.put("prompt_ids", prompt);
      j.put("ids", out);
      j.put("text", continuation);
      j.put("seconds", seconds);
      o.println(new ObjectMapper().writeValueAsString(j));
    } else {
      o.println(text + continuation);
      PrintWriter err = spec.commandLine().getErr();
      err.printf(Locale.ROOT, "(%d prompt tokens, %d generated in %.2f s, %.1f tokens/s; checkpoint %s)%n",
          prompt.length, out.length, seconds, out.length / seconds, m.location());
      err.flush();
    }
    o.flush();
  }
}
