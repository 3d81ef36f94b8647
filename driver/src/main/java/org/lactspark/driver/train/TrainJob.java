package org.lactspark.driver.train;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.lactspark.conf.ConfigException;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.TrainConfig;
import org.lactspark.conf.load.ModelConfigLoader;
import org.lactspark.conf.preset.Presets;
import org.lactspark.data.dataset.DatasetReader;
import org.lactspark.data.dataset.Manifest;
import org.lactspark.data.dataset.PackedSequence;
import org.lactspark.data.dataset.ShardSource;
import org.lactspark.data.hadoop.HadoopShardSource;
import org.lactspark.driver.checkpoint.Checkpoint;
import org.lactspark.driver.checkpoint.CheckpointStore;
import org.lactspark.driver.dist.AveragingRound;
import org.lactspark.driver.dist.Gradients;
import org.lactspark.driver.dist.ModelWorker;
import org.lactspark.driver.dist.Sequences;
import org.lactspark.driver.dist.SyncStep;
import org.lactspark.driver.metrics.LossPlot;
import org.lactspark.driver.metrics.MetricsLog;
import org.lactspark.driver.metrics.StepMetrics;
import org.lactspark.kernel.optim.AdamW;
import org.lactspark.kernel.optim.UpdateStep;
import org.lactspark.kernel.optim.AdamWConfig;
import org.lactspark.kernel.params.LactModelLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The train job: a dataset and a model config in, checkpoints, metrics and a loss plot out.
 * Everything that can be checked without Spark is checked first (the dataset exists and fits the
 * model, the batch fits the sequences, the run directory may be written). Each step the driver
 * reads the step's sequences, {@link SyncStep} sums the workers' gradients, and the driver clips,
 * guards against NaN/Inf and applies AdamW to the flat parameter vector.
 */
public final class TrainJob {
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

  /** Keys a resumed run must share with its checkpoint: they decide the trajectory. */
  private static final Set<String> TRAJECTORY_KEYS = Set.of("dataset", "batchTokens", "averageEvery", "lr",
      "warmupSteps", "minLrRatio", "beta1", "beta2", "eps", "weightDecay", "clipNorm", "seed", "steps");

  private final TrainConfig config;
  private final ModelConfig model;
  private final String modelJson;

  /**
   * A job of {@code config}; the model is {@code config.model()} (a preset or a model config file
   * on the local filesystem) with {@code modelOverrides}.
   *
   * @throws ConfigException naming the key if the model cannot be loaded
   */
  public TrainJob(TrainConfig config, List<String> modelOverrides) throws IOException {
    this.config = config;
    this.model = loadModel(config, modelOverrides);
    this.modelJson = ModelConfigLoader.toJson(model);
  }

  private static ModelConfig loadModel(TrainConfig config, List<String> overrides) throws IOException {
    String m = config.model();
    if (Presets.NAMES.contains(m)) {
      return Presets.load(m, overrides);
    }
    java.nio.file.Path file = java.nio.file.Path.of(m);
    if (!java.nio.file.Files.isRegularFile(file)) {
      throw new ConfigException("model", m, config.sources().getOrDefault("model", "configuration"),
          "neither a preset (" + String.join(", ", Presets.NAMES) + ") nor a model config file");
    }
    return ModelConfigLoader.load(file, overrides);
  }

  /** The model trained. */
  public ModelConfig model() {
    return model;
  }

  /**
   * Checks the dataset against the model and the batch without Spark (the command calls it before
   * it starts Spark; {@link #run} calls it again).
   *
   * @throws ConfigException naming the key that does not fit
   */
  public void check(Configuration conf) throws IOException {
    checkDataset(conf);
  }

  /** A dataset's manifest, checked against the model and the batch. */
  private Manifest checkDataset(Configuration conf) throws IOException {
    String where = config.sources().getOrDefault("dataset", "configuration");
    Manifest m;
    try (InputStream in = new HadoopShardSource(config.dataset(), conf).open(Manifest.FILE)) {
      m = Manifest.read(in, config.dataset());
    } catch (IOException e) {
      throw new ConfigException("dataset", config.dataset(), where, e.getMessage());
    }
    int vocab = m.tokenizer().vocabSize();
    if (vocab > model.vocabSize()) {
      throw new ConfigException("model", config.model(), config.sources().getOrDefault("model", "configuration"),
          "vocabSize " + model.vocabSize() + " is smaller than the dataset's tokenizer " + m.tokenizer().name()
              + " (" + vocab + " ids): set vocabSize >= " + vocab);
    }
    int len = m.sequenceLength();
    if (len > model.contextLength()) {
      throw new ConfigException("model", config.model(), config.sources().getOrDefault("model", "configuration"),
          "contextLength " + model.contextLength() + " is shorter than the dataset's sequences (" + len + ")");
    }
    if (config.batchTokens() % len != 0) {
      throw new ConfigException("batchTokens", config.batchTokens(), config.sources().get("batchTokens"),
          "must be a multiple of the dataset's sequence length " + len);
    }
    if (m.shards("train").stream().mapToLong(Manifest.Shard::records).sum() == 0) {
      throw new ConfigException("dataset", config.dataset(), where, "has no training sequences");
    }
    return m;
  }

  /**
   * Runs the job.
   *
   * @param resume continue from the newest usable checkpoint in the run directory
   * @param progress called after every step
   * @throws TrainingDivergedException after {@code maxBadSteps} bad steps in a row
   */
  public TrainResult run(JavaSparkContext sc, boolean resume, Consumer<StepMetrics> progress) throws IOException {
    return run(sc, resume, false, progress);
  }

  /**
   * Runs the job; with {@code overwrite} (and not {@code resume}) an existing run directory is
   * deleted first, once the configuration has passed its checks.
   */
  public TrainResult run(JavaSparkContext sc, boolean resume, boolean overwrite, Consumer<StepMetrics> progress)
      throws IOException {
    long t0 = System.nanoTime();
    Configuration conf = sc.hadoopConfiguration();
    Manifest manifest = checkDataset(conf);
    if (overwrite && !resume) {
      org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(config.runDir());
      dir.getFileSystem(conf).delete(dir, true);
    }
    int length = manifest.sequenceLength();
    int perStep = config.batchTokens() / length;
    int workers = Math.min(perStep, config.workers() > 0 ? config.workers() : sc.defaultParallelism());
    CheckpointStore store = new CheckpointStore(config.runDir() + "/" + org.lactspark.driver.eval.EvalModel.CHECKPOINTS, conf);
    Checkpoint from = start(store, resume);
    ShardSource source = new HadoopShardSource(config.dataset(), conf);
    float[] params = from != null ? from.params() : ModelWorker.initialParams(model, config.seed());
    AdamW adam = AdamW.forLayout(new AdamWConfig(config.beta1(), config.beta2(), config.eps(), config.weightDecay()),
        LactModelLayout.of(model));
    if (from != null) {
      adam.restore(new AdamW.State(from.m(), from.v(), from.optimizerSteps()));
    }
    LrSchedule lr = new LrSchedule(config.lr(), config.warmupSteps(), config.steps(), config.minLrRatio());
    String key = modelJson.hashCode() + "/" + config.runDir();
    SyncStep sync = new SyncStep(sc, model, key, config.microBatch(), config.engine());
    double peak = (config.peakGflops() > 0 ? config.peakGflops()
        : org.lactspark.model.cli.GemmPeak.gflops()) * 1e9 * workers;
    double flopsPerToken = 6.0 * params.length;
    int first = from == null ? 0 : from.step();
    int bad = from == null ? 0 : from.badInARow();
    int skipped = 0;
    double lastLoss = from == null ? Double.NaN : from.loss();
    List<Integer> plotSteps = new ArrayList<>();
    List<Double> plotLoss = new ArrayList<>();
    List<Integer> valSteps = new ArrayList<>();
    List<Double> valLoss = new ArrayList<>();
    String lastCheckpoint = null;
    TrainData.Position pos = from == null ? new TrainData.Position(0, DatasetReader.Cursor.START)
        : new TrainData.Position(from.epoch(), new DatasetReader.Cursor(from.shard(), from.record()));
    try (TrainData data = new TrainData(source, "train", pos);
        MetricsLog log = MetricsLog.open(config.runDir(), first, conf)) {
      int averageEvery = config.averageEvery();
      AveragingRound rounds = new AveragingRound(sc, model, key, config.microBatch(), new AdamWConfig(config.beta1(),
          config.beta2(), config.eps(), config.weightDecay()), config.clipNorm(), config.engine());
      for (int step = first; step < config.steps(); ) {
        long s0 = System.nanoTime();
        int k = Math.min(averageEvery, config.steps() - step);
        List<StepMetrics> done = averageEvery == 1
            ? List.of(syncStep(sync, data, lr, adam, params, step + 1, perStep, workers, length, s0, flopsPerToken, peak))
            : averagingRound(rounds, data, lr, adam, params, step + 1, k, perStep, workers, length, s0, flopsPerToken,
                peak);
        for (StepMetrics sm : done) {
          if (sm.skipped()) {
            bad++;
            skipped++;
            LOG.warn("step {}: loss {} gradient norm {} (or an update that overflowed): skipped ({} in a row)",
                sm.step(), sm.loss(), sm.gradNorm(), bad);
          } else {
            bad = 0;
            lastLoss = sm.loss();
            plotSteps.add(sm.step());
            plotLoss.add(sm.loss());
          }
          log.line(sm.json());
          progress.accept(sm);
          if (bad >= config.maxBadSteps()) {
            throw new TrainingDivergedException(sm.step(), bad);
          }
        }
        int before = step;
        step += k;
        if (config.validateEvery() > 0 && crossed(before, step, config.validateEvery()) && step < config.steps()) {
          double v = validate(sync, source, manifest, params, step, workers, length, log)[0];
          valSteps.add(step);
          valLoss.add(v);
        }
        if (step == config.steps() || (config.checkpointEvery() > 0 && crossed(before, step, config.checkpointEvery()))) {
          TrainData.Position p = data.position();
          AdamW.State st = adam.state();
          lastCheckpoint = store.write(new Checkpoint(step, p.epoch(), p.cursor().shard(), p.cursor().record(),
              st.steps(), bad, config.seed(), lastLoss, config.asText(), config.sources(), modelJson, codeVersion(),
              params, st.m(), st.v()), config.keepCheckpoints());
        }
      }
      double[] v = validate(sync, source, manifest, params, config.steps(), workers, length, log);
      if (Double.isFinite(v[0])) {
        valSteps.add(config.steps());
        valLoss.add(v[0]);
      }
      String plot = LossPlot.write(config.runDir(), "lact train: " + config.model() + " on " + config.dataset(),
          plotSteps, plotLoss, valSteps, valLoss, conf);
      return new TrainResult(store.location().replaceAll("/checkpoints$", ""), first, config.steps(), lastLoss, v[0],
          (long) v[1], skipped, lastCheckpoint, log.location(), plot, (System.nanoTime() - t0) / 1e9);
    }
  }

  /** Whether a multiple of {@code every} lies in {@code (from, to]}. */
  private static boolean crossed(int from, int to, int every) {
    return to / every > from / every;
  }

  /** One synchronous step: the workers' gradients summed, clipped, applied with AdamW. */
  private StepMetrics syncStep(SyncStep sync, TrainData data, LrSchedule lr, AdamW adam, float[] params, int step,
      int perStep, int workers, int length, long s0, double flopsPerToken, double peak) throws IOException {
    List<Sequences> shares = shares(length, data.next(perStep), workers);
    SyncStep.Result r = sync.run(params, shares, true, "lact train: step " + step + " of " + config.steps());
    Gradients g = r.sum();
    double loss = g.meanLoss();
    float[] grad = g.grad();
    double rate = lr.at(step);
    UpdateStep.Result u = Double.isFinite(loss) ? UpdateStep.apply(adam, params, grad, g.scored(), rate, config.clipNorm())
        : new UpdateStep.Result(Double.NaN, false);
    double norm = u.gradNorm();
    boolean isBad = !u.applied();
    double secs = (System.nanoTime() - s0) / 1e9;
    double compute = r.timing().computeNanos() / 1e9;
    return new StepMetrics(step, loss, rate, norm, isBad, g.scored(), secs, compute, secs - compute,
        g.scored() / secs, flopsPerToken * g.scored() / secs / peak);
  }

  /**
   * {@code k} steps of parameter averaging: every worker takes them locally from the current
   * parameters and moments; the averages replace them (unless they are not finite).
   */
  private List<StepMetrics> averagingRound(AveragingRound rounds, TrainData data, LrSchedule lr, AdamW adam,
      float[] params, int firstStep, int k, int perStep, int workers, int length, long s0, double flopsPerToken,
      double peak) throws IOException {
    List<List<Sequences>> byWorker = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      byWorker.add(new ArrayList<>());
    }
    double[] rates = new double[k];
    for (int i = 0; i < k; i++) {
      List<Sequences> shares = shares(length, data.next(perStep), workers);
      for (int w = 0; w < workers; w++) {
        byWorker.get(w).add(shares.get(w));
      }
      rates[i] = lr.at(firstStep + i);
    }
    AdamW.State before = adam.state();
    AveragingRound.Outcome o = rounds.run(params, before, byWorker, rates,
        "lact train: steps " + firstStep + "-" + (firstStep + k - 1) + " of " + config.steps() + " (averaging)");
    boolean finite = true;
    for (float p : o.params()) {
      if (!Float.isFinite(p)) {
        finite = false;
        break;
      }
    }
    if (finite) {
      System.arraycopy(o.params(), 0, params, 0, params.length);
      adam.restore(new AdamW.State(o.m(), o.v(), before.steps() + k));
    }
    double secs = (System.nanoTime() - s0) / 1e9 / k;
    double compute = o.computeNanos() / 1e9 / k;
    List<StepMetrics> out = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      double loss = o.scored()[i] == 0 ? Double.NaN : o.lossSum()[i] / o.scored()[i];
      double norm = o.normSum()[i] / o.workers();
      boolean isBad = !finite || !Double.isFinite(loss) || !Double.isFinite(norm);
      out.add(new StepMetrics(firstStep + i, loss, rates[i], norm, isBad, o.scored()[i], secs, compute,
          secs - compute, o.scored()[i] / secs, flopsPerToken * o.scored()[i] / secs / peak));
    }
    return out;
  }

  /** The checkpoint to start from: the newest usable one when resuming; none for a fresh run. */
  private Checkpoint start(CheckpointStore store, boolean resume) throws IOException {
    java.util.Optional<Checkpoint> newest = store.newest();
    if (!resume) {
      if (newest.isPresent()) {
        throw new IOException("run directory " + config.runDir() + " already holds checkpoints (newest: step "
            + newest.get().step() + "): pass --resume to continue it, or choose another runDir");
      }
      return null;
    }
    if (newest.isEmpty()) {
      LOG.warn("--resume: no usable checkpoint in {}; starting from step 0", store.location());
      return null;
    }
    Checkpoint c = newest.get();
    for (String k : TRAJECTORY_KEYS) {
      String was = c.config().get(k);
      String now = config.asText().get(k);
      if (was != null && !was.equals(now) && !k.equals("steps")) {
        throw new ConfigException(k, now, config.sources().getOrDefault(k, "configuration"),
            "differs from the checkpoint at step " + c.step() + " (" + was + "): a resumed run keeps its trajectory");
      }
    }
    if (!c.modelJson().equals(modelJson)) {
      throw new ConfigException("model", config.model(), config.sources().getOrDefault("model", "configuration"),
          "differs from the model of the checkpoint at step " + c.step());
    }
    if (c.step() >= config.steps()) {
      throw new ConfigException("steps", config.steps(), config.sources().getOrDefault("steps", "configuration"),
          "the checkpoint is already at step " + c.step() + ": raise steps to train further");
    }
    LOG.info("resuming from step {} ({})", c.step(), store.location());
    return c;
  }

  /** Splits a step's sequences into {@code workers} contiguous shares, sizes differing by at most one. */
  static List<Sequences> shares(int length, List<PackedSequence> seqs, int workers) {
    Sequences all = Sequences.of(length, seqs);
    List<Sequences> out = new ArrayList<>(workers);
    int n = seqs.size();
    for (int w = 0, from = 0; w < workers; w++) {
      int to = from + n / workers + (w < n % workers ? 1 : 0);
      out.add(all.slice(from, to));
      from = to;
    }
    return out;
  }

  /** The mean validation loss and its tokens, logged; NaN without a validation split. */
  private double[] validate(SyncStep sync, ShardSource source, Manifest manifest, float[] params, int step,
      int workers, int length, MetricsLog log) throws IOException {
    List<Manifest.Shard> shards = manifest.splits().getOrDefault("validation", List.of());
    if (shards.stream().mapToLong(Manifest.Shard::records).sum() == 0) {
      return new double[] {Double.NaN, 0};
    }
    List<PackedSequence> seqs = new ArrayList<>();
    try (DatasetReader r = DatasetReader.open(source, "validation", DatasetReader.Cursor.START)) {
      for (PackedSequence s = r.next(); s != null; s = r.next()) {
        seqs.add(s);
        if (config.validationSequences() > 0 && seqs.size() >= config.validationSequences()) {
          break;
        }
      }
    }
    int w = Math.min(workers, seqs.size());
    Gradients g = sync.run(params, shares(length, seqs, w), false, "lact train: validation at step " + step)
        .sum();
    double v = g.meanLoss();
    log.line(String.format(java.util.Locale.ROOT, "{\"step\":%d,\"validation_loss\":%.6f,\"validation_tokens\":%d}",
        step, v, g.scored()));
    return new double[] {v, g.scored()};
  }

  private static String codeVersion() {
    String v = TrainJob.class.getPackage().getImplementationVersion();
    return v == null ? "development build" : v;
  }

  /** The model configuration as JSON (for checkpoints and the run's record). */
  public String modelJson() {
    return modelJson;
  }
}
