using System.CommandLine;
using MoT.Training.Checkpoints;
using MoT.Training.Training;

namespace MoT.Cli.Commands;

/// <summary><c>mot eval CKPT</c>: eval loss of a checkpoint on its run's held-out data.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "Checkpoint file" };
        var batches = new Option<int?>("--batches") { Description = "Eval batches (default: the run's setting)" };
        var command = new Command("eval", "Measure a checkpoint's eval loss") { checkpoint, batches };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(checkpoint)!;
            var state = CheckpointFile.ReadState(path);
            var config = (state.Config with { EvalBatches = parse.GetValue(batches) ?? state.Config.EvalBatches }).Validate();
            var data = CorpusLoader.Open(config, state.TokenizerSpec);
            using var trainer = Trainer.Resume(path, data.Train, data.Eval, Path.GetTempPath(), config.Steps);
            var loss = trainer.Evaluate();
            Console.WriteLine($"{path}: step {state.Step}, eval loss {loss:F4} (perplexity {Math.Exp(loss):F2}) over {config.EvalBatches} batches of {data.Eval.Identity}");
            return 0;
        });
        return command;
    }
}
