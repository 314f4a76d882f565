using System.CommandLine;
using MoT.Training.Checkpoints;
using MoT.Training.Training;

namespace MoT.Cli.Commands;

/// <summary><c>mot resume CKPT</c>: continue a run exactly where its checkpoint stopped.</summary>
internal static class ResumeCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "Checkpoint file (RUN/checkpoints/step-N.ckpt)" };
        var steps = new Option<int?>("--steps") { Description = "New total step count (default: the run's own)" };
        var more = new Option<int?>("--more") { Description = "Additional steps to train after the checkpoint's step (instead of --steps)" };
        var output = new Option<string?>("--out", "-o") { Description = "Run folder (default: the checkpoint's run)" };
        var command = new Command("resume", "Continue a run from a checkpoint (weights, optimizer, data position, RNG)") { checkpoint, steps, more, output };
        command.Validators.Add(result =>
        {
            if (result.GetValue(steps) is not null && result.GetValue(more) is not null)
                result.AddError("--steps and --more: give one (a new total, or the number of additional steps)");
            else if (result.GetValue(more) is < 1)
                result.AddError($"--more: must be at least 1 (was {result.GetValue(more)})");
        });
        command.SetAction((parse, cancel) => Task.Run(() =>
        {
            var path = parse.GetValue(checkpoint)!;
            var state = CheckpointFile.ReadState(path);
            var data = CorpusLoader.Open(state.Config, state.TokenizerSpec);
            var outputDirectory = parse.GetValue(output) ?? TrainingSession.RunDirectoryOf(path);
            var total = parse.GetValue(more) is { } additional ? state.Step + additional : parse.GetValue(steps);
            using var trainer = Trainer.Resume(path, data.Train, data.Eval, outputDirectory, total);
            return TrainingSession.Run(trainer, outputDirectory, $"resume {state.Config.Preset ?? "run"} @ {state.Step}", cancel);
        }, CancellationToken.None));
        return command;
    }
}
