using System.CommandLine;
using MoT.Training.Checkpoints;
using MoT.Training.Models;
using MoT.Training.Training;
using static TorchSharp.torch;

namespace MoT.Cli.Commands;

/// <summary><c>mot transition --from CKPT --to token-choice</c>: turn a trained MoT into a sparse
/// Token Choice MoE sharing its weights, and keep training it.</summary>
internal static class TransitionCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "MoT checkpoint to convert", Required = true };
        var to = new Option<string>("--to") { Description = "Target architecture", DefaultValueFactory = _ => "token-choice" };
        to.AcceptOnlyFromAmong("token-choice");
        var steps = new Option<int?>("--steps") { Description = "Steps of transition tuning (default: 10% of the source run, as the paper's 15K after 150K)" };
        var topK = new Option<int>("--top-k") { Description = "Experts per token", DefaultValueFactory = _ => 1 };
        var capacity = new Option<double>("--capacity-factor") { Description = "Expert capacity factor", DefaultValueFactory = _ => 1.25 };
        var balance = new Option<double>("--load-balancing") { Description = "Load-balancing loss weight", DefaultValueFactory = _ => 0.01 };
        var lr = new Option<double?>("--lr") { Description = "Peak learning rate (default: the source run's)" };
        var output = new Option<string?>("--out", "-o") { Description = "Run folder (default runs/transition-<time>)" };
        var command = new Command("transition", "Convert a MoT checkpoint into a Token Choice MoE and continue training")
            { from, to, steps, topK, capacity, balance, lr, output };
        command.SetAction((parse, cancel) => Task.Run(() =>
        {
            var path = parse.GetValue(from)!;
            var state = CheckpointFile.ReadState(path);
            var tokenChoice = TransitionTuning.TokenChoiceConfigFor(state.Config.Model,
                parse.GetValue(topK), parse.GetValue(capacity), parse.GetValue(balance));
            var totalSteps = parse.GetValue(steps) ?? Math.Max(1, state.Config.Steps / 10);
            var config = state.Config with
            {
                Model = tokenChoice,
                Preset = state.Config.Preset?.Replace("MoT-", "TokenChoice-", StringComparison.Ordinal),
                Steps = totalSteps,
                WarmupSteps = Math.Min(totalSteps / 10, state.Config.ResolvedWarmupSteps),
                LearningRate = parse.GetValue(lr) ?? state.Config.LearningRate,
            };
            using var mot = CheckpointFile.LoadModel(path, CPU);
            using var converted = TransitionTuning.Convert(mot, tokenChoice);
            var data = CorpusLoader.Open(config, state.TokenizerSpec);
            var outputDirectory = parse.GetValue(output) ?? TrainingSession.DefaultOutput("transition");
            RunFolder.EnsureNoRunYet(outputDirectory);
            using var trainer = Trainer.Create(config, data.Train, data.Eval, outputDirectory, state.TokenizerSpec, converted);
            Console.WriteLine($"eval loss right after the switch: {trainer.Evaluate():F4}");
            return TrainingSession.Run(trainer, outputDirectory, "transition-tune", cancel);
        }, CancellationToken.None));
        return command;
    }
}
