using MoT.Training.Models;
using MoT.Training.Training;

namespace MoT.Training.Configuration;

public sealed partial class RunConfigSchema
{
    /// <summary>
    /// The settings table. Run paths are what sweeps search and the dashboard writes (snake_case sections model,
    /// training, data, simulate); document paths are the trainer document of <c>mot train --config</c> (camelCase).
    /// </summary>
    private static List<ConfigSetting> Declare(InputLimits limits)
    {
        var steps = limits.MaxSteps;
        var width = limits.MaxModelWidth;
        return
        [
            // The model: a preset (or family + size), optionally resized.
            Text("model.preset", "preset", "Model preset, e.g. MoT-Medium/32E/8 (`mot presets` lists them); wins over family and size.",
                limits, name => CheckPreset(name, limits), "a preset name such as MoT-Tiny/8E (see `mot presets`)"),
            Choice("model.family", null, Families, "Model family when no preset is named (Dense = Transformer)."),
            Choice("model.size", null, Sizes, "Model size when no preset is named."),
            Whole("model.experts", null, 1, limits.MaxExperts, "Expert groups (the /NE of a preset name); MoT and MoE families only.", nameof(InputLimits.MaxExperts)),
            Whole("model.granularity", null, 1, 1024, "Split each expert into this many narrower ones (the /k of a preset name)."),
            Whole("model.seq_len", "model.contextLength", 1, limits.MaxContextLength, "Context length in tokens.", nameof(InputLimits.MaxContextLength)),
            Whole("model.layers", "model.layers", 1, limits.MaxLayers, "Transformer blocks.", nameof(InputLimits.MaxLayers)),
            Whole("model.d_model", "model.dModel", 1, width, "Model width.", nameof(InputLimits.MaxModelWidth)),
            Whole("model.heads", "model.heads", 1, 1024, "Attention heads (must divide the model width)."),
            Whole(null, "model.vocabSize", 1, limits.MaxVocabSize, "Vocabulary size (set from the tokenizer when training).", nameof(InputLimits.MaxVocabSize)),
            Whole(null, "model.dFF", 1, width, "Feed-forward width.", nameof(InputLimits.MaxModelWidth)),
            Choice(null, "model.activation", Enum.GetNames<Activation>(), "Nonlinearity in every FFN and expert."),
            Choice(null, "model.positions", Enum.GetNames<PositionEncoding>(), "Learned absolute or rotary positions."),
            Flag(null, "model.tiedHead", "Share the embedding and output weights."),
            Choice(null, "model.feedForward", Enum.GetNames<FeedForwardKind>(), "Feed-forward block of the expert blocks."),
            WholeList(null, "model.sparseBlocks", 0, limits.MaxLayers - 1, "Blocks (0-based) with the MoT/MoE layer; default the second half."),
            Whole(null, "model.mixtureOfTokens.experts", 1, limits.MaxExperts, "MoT experts.", nameof(InputLimits.MaxExperts)),
            Whole(null, "model.mixtureOfTokens.groupSize", 1, limits.MaxBatchSize, "MoT group size (sequences mixed at one position).", nameof(InputLimits.MaxBatchSize)),
            Whole(null, "model.mixtureOfTokens.expertSize", 1, width, "MoT expert width (default flop-matched).", nameof(InputLimits.MaxModelWidth)),
            Whole(null, "model.mixtureOfTokens.mixturesPerExpert", 1, 1024, "Mixtures each expert processes per group."),
            Real(null, "model.mixtureOfTokens.temperature", 0, true, 1e6, false, "Softmax temperature (paper: 1)."),
            Flag(null, "model.mixtureOfTokens.learnableTemperature", "Learn the temperature."),
            Flag(null, "model.mixtureOfTokens.temperaturePerExpert", "One learned temperature per expert."),
            Flag(null, "model.mixtureOfTokens.discreteEvaluation", "One-hot mixing weights in evaluation."),
            Whole(null, "model.tokenChoice.experts", 1, limits.MaxExperts, "Token Choice experts.", nameof(InputLimits.MaxExperts)),
            Whole(null, "model.tokenChoice.expertSize", 1, width, "Token Choice expert width.", nameof(InputLimits.MaxModelWidth)),
            Whole(null, "model.tokenChoice.topK", 1, limits.MaxExperts, "Experts per token.", nameof(InputLimits.MaxExperts)),
            Real(null, "model.tokenChoice.capacityFactor", 0, true, 1e3, false, "Capacity factor (paper: 1.25)."),
            Real(null, "model.tokenChoice.loadBalancingWeight", 0, false, 1e3, false, "Load-balancing loss weight."),
            Real(null, "model.tokenChoice.routerZLossWeight", 0, false, 1e3, false, "Router z-loss weight."),
            Whole(null, "model.expertChoice.experts", 1, limits.MaxExperts, "Expert Choice experts.", nameof(InputLimits.MaxExperts)),
            Whole(null, "model.expertChoice.groupSize", 1, limits.MaxBatchSize, "Expert Choice group size.", nameof(InputLimits.MaxBatchSize)),
            Whole(null, "model.expertChoice.capacity", 1, limits.MaxBatchSize, "Tokens each expert takes per group.", nameof(InputLimits.MaxBatchSize)),
            Whole(null, "model.expertChoice.expertSize", 1, width, "Expert Choice expert width.", nameof(InputLimits.MaxModelWidth)),

            // Training.
            Whole("training.steps", "steps", 1, steps, "Optimizer steps.", nameof(InputLimits.MaxSteps)),
            Whole("training.batch_size", "batchSize", 1, limits.MaxBatchSize, "Sequences per micro-batch (a multiple of the MoT group size).", nameof(InputLimits.MaxBatchSize)),
            Real("training.lr", "learningRate", 0, true, limits.MaxLearningRate, false, "Peak learning rate.", nameof(InputLimits.MaxLearningRate)),
            Whole("training.warmup", "warmupSteps", 0, steps, "Linear warmup steps (default steps/10, at most 2,500).", nameof(InputLimits.MaxSteps)),
            Whole("training.eval_interval", "evalInterval", 1, steps, "Steps between eval-loss measurements.", nameof(InputLimits.MaxSteps)),
            Whole("training.eval_batches", "evalBatches", 1, 10_000, "Batches per eval-loss measurement."),
            Whole("training.checkpoint_interval", "checkpointInterval", 1, steps, "Steps between checkpoints.", nameof(InputLimits.MaxSteps)),
            Whole("training.log_interval", "logInterval", 1, steps, "Steps between progress reports.", nameof(InputLimits.MaxSteps)),
            Whole("training.seed", "seed", 0, int.MaxValue, "Seed for weights and data order."),
            Text("training.device", "device", "Where to train.", limits, CheckDevice, "auto, cpu, cuda or cuda:N"),
            Choice("training.precision", "precision", Enum.GetNames<Precision>(), "Auto: bf16 on CUDA, fp32 on CPU."),
            Real("training.weight_decay", "weightDecay", 0, false, 10, false, "AdamW weight decay (paper: 0.1)."),
            Real("training.grad_clip", "gradientClip", 0, true, 1e6, false, "Gradient-norm clip (paper: 0.5)."),
            Real(null, "finalLearningRateRatio", 0, false, 1, false, "Cosine schedule ends at this share of the peak."),
            Real(null, "beta1", 0, false, 1, true, "AdamW beta1."),
            Real(null, "beta2", 0, false, 1, true, "AdamW beta2."),
            Whole(null, "gradientAccumulation", 1, 1024, "Micro-batches per optimizer step."),
            Real(null, "peakTflops", 0, true, 1e6, false, "Device peak TFLOP/s for the MFU estimate."),

            // Data.
            Text("data.source", "data.source", "Training text: demo (the prepared demo corpus), synthetic, or a file/folder of .txt/.jsonl(.gz) on the gpu silos.",
                limits, CheckDataSource, "demo, synthetic or a path", maxLength: limits.MaxPathLength, limit: nameof(InputLimits.MaxPathLength)),
            Text("data.tokenizer", "data.tokenizer", "Tokenizer.", limits, CheckTokenizer, "bytes, bpe, cl100k, cl100k-compact or cl100k-compact:N"),
            Text("data.eval_set", null, "Names the held-out data eval loss is measured on (and so the leaderboard).", limits, CheckEvalSet,
                $"{string.Join(", ", EvalSets)} or a name ending in -eval"),
            Real(null, "data.evalFraction", 0, true, 1, true, "Share of documents held out for eval loss."),

            // The simulated trainer (silos started with --simulate); real training ignores these.
            Whole("simulate.fail_at_step", null, 0, steps, "Simulated trainer: fail at this step.", nameof(InputLimits.MaxSteps)),
            Text("simulate.failure_class", null, "Simulated trainer: how the failure is classified.", limits, null, "a failure class name"),
            Whole("simulate.diverge_at_step", null, 0, steps, "Simulated trainer: diverge (NaN loss) at this step.", nameof(InputLimits.MaxSteps)),
            Real("simulate.loss_offset", null, -1e6, false, 1e6, false, "Simulated trainer: added to every loss."),
            Real("simulate.step_delay_ms", null, 0, false, 60_000, false, "Simulated trainer: wall time per step."),
        ];
    }

    private static ConfigSetting Whole(string? run, string? document, long min, long max, string description, string? limit = null) =>
        new(run, document, SettingKind.Integer, description) { Min = min, Max = max, Limit = limit };

    private static ConfigSetting WholeList(string? run, string? document, long min, long max, string description) =>
        new(run, document, SettingKind.IntegerList, description) { Min = min, Max = max };

    private static ConfigSetting Real(string? run, string? document, double min, bool minExclusive, double max, bool maxExclusive, string description, string? limit = null) =>
        new(run, document, SettingKind.Number, description) { Min = min, MinExclusive = minExclusive, Max = max, MaxExclusive = maxExclusive, Limit = limit };

    private static ConfigSetting Flag(string? run, string? document, string description) => new(run, document, SettingKind.Flag, description);

    private static ConfigSetting Choice(string? run, string? document, IReadOnlyList<string> allowed, string description) =>
        new(run, document, SettingKind.Text, description) { Allowed = allowed, MaxLength = 64 };

    private static ConfigSetting Text(string? run, string? document, string description, InputLimits limits, Func<string, string?>? rule, string inWords,
        int? maxLength = null, string? limit = null) =>
        new(run, document, SettingKind.Text, description)
        {
            Rule = rule, AllowedInWords = inWords, MaxLength = maxLength ?? limits.MaxTextLength, Limit = limit ?? nameof(InputLimits.MaxTextLength),
        };
}
