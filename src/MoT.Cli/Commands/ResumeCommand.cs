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
        var output = new Option<string?>("--out", "-o") { Description = "Run folder (default: the checkpoint's run)" };
        var command = new Command("resume", "Continue a run from a checkpoint (weights, optimizer, data position, RNG)") { checkpoint, steps, output };
        command.SetAction((parse, cancel) => Task.Run(() =>
        {
            var path = parse.GetValue(checkpoint)!;
            var state = CheckpointFile.ReadState(path);
            var data = CorpusLoader.Open(state.Config, state.TokenizerSpec);
            var outputDirectory = parse.GetValue(output) ?? TrainingSession.RunDirectoryOf(path);
            using var trainer = Trainer.Resume(path, data.Train, data.Eval, outputDirectory, parse.GetValue(steps));
            return TrainingSession.Run(trainer, outputDirectory, $"resume {state.Config.Preset ?? "run"} @ {state.Step}", cancel);
        }, CancellationToken.None));
        return command;
    }
}
