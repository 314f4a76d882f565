using System.CommandLine;
using MoT.Cli.Configuration;
using MoT.Training.Checkpoints;
using MoT.Training.Training;

namespace MoT.Cli.Commands;

/// <summary><c>mot train</c>: a new run from a preset and/or config file, flags overriding both.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var preset = new Option<string?>("--preset", "-p") { Description = "Model preset, e.g. MoT-Tiny/8E (see `mot presets`)" };
        var configFile = new Option<string?>("--config", "-c") { Description = "YAML or JSON file with training settings" };
        var steps = new Option<int?>("--steps") { Description = "Optimizer steps" };
        var batch = new Option<int?>("--batch-size") { Description = "Sequences per micro-batch (multiple of the MoT group size)" };
        var lr = new Option<double?>("--lr") { Description = "Peak learning rate" };
        var warmup = new Option<int?>("--warmup") { Description = "Linear warmup steps (default: steps/10, at most 2500)" };
        var accumulation = new Option<int?>("--grad-accum") { Description = "Micro-batches per optimizer step" };
        var data = new Option<string?>("--data") { Description = "demo (prepared demo corpus), synthetic, or a path to .txt/.jsonl(.gz) files" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "bytes or bpe (cl100k compacted to the corpus)" };
        var device = new Option<string?>("--device") { Description = "auto, cpu, cuda or cuda:N" };
        var precision = new Option<Precision?>("--precision") { Description = "Auto (bf16 on CUDA), Fp32 or Bf16" };
        var seed = new Option<long?>("--seed") { Description = "Seed for weights and data order" };
        var evalInterval = new Option<int?>("--eval-interval") { Description = "Steps between eval-loss measurements" };
        var checkpointInterval = new Option<int?>("--checkpoint-interval") { Description = "Steps between checkpoints" };
        var logInterval = new Option<int?>("--log-interval") { Description = "Steps between progress reports" };
        var output = new Option<string?>("--out", "-o") { Description = "Run folder (default runs/<preset>-<time>)" };

        var command = new Command("train", "Train a model from a preset or config file");
        foreach (var option in new Option[] { preset, configFile, steps, batch, lr, warmup, accumulation, data, tokenizer, device, precision, seed, evalInterval, checkpointInterval, logInterval, output })
            command.Add(option);

        command.SetAction((parse, cancel) => Task.Run(() =>
        {
            var config = TrainingConfigLoader.Load(parse.GetValue(configFile), parse.GetValue(preset));
            config = config with
            {
                Steps = parse.GetValue(steps) ?? config.Steps,
                BatchSize = parse.GetValue(batch) ?? config.BatchSize,
                LearningRate = parse.GetValue(lr) ?? config.LearningRate,
                WarmupSteps = parse.GetValue(warmup) ?? config.WarmupSteps,
                GradientAccumulation = parse.GetValue(accumulation) ?? config.GradientAccumulation,
                Device = parse.GetValue(device) ?? config.Device,
                Precision = parse.GetValue(precision) ?? config.Precision,
                Seed = parse.GetValue(seed) ?? config.Seed,
                EvalInterval = parse.GetValue(evalInterval) ?? config.EvalInterval,
                CheckpointInterval = parse.GetValue(checkpointInterval) ?? config.CheckpointInterval,
                LogInterval = parse.GetValue(logInterval) ?? config.LogInterval,
                Data = config.Data with
                {
                    Source = parse.GetValue(data) ?? config.Data.Source,
                    Tokenizer = parse.GetValue(tokenizer) ?? config.Data.Tokenizer,
                },
            };
            var trainingData = CorpusLoader.Open(TrainingConfigLoader.Check(config));
            config = trainingData.Fit(config);
            var outputDirectory = parse.GetValue(output) ?? TrainingSession.DefaultOutput(config.Preset ?? "custom");
            RunFolder.EnsureNoRunYet(outputDirectory);
            using var trainer = Trainer.Create(config, trainingData.Train, trainingData.Eval, outputDirectory, trainingData.TokenizerSpec);
            return TrainingSession.Run(trainer, outputDirectory, config.Preset ?? "train", cancel);
        }, CancellationToken.None));
        return command;
    }
}
