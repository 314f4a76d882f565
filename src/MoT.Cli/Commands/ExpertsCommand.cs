using System.CommandLine;
using System.Globalization;
using MoT.Training.Checkpoints;
using MoT.Training.Models;
using static TorchSharp.torch;

namespace MoT.Cli.Commands;

/// <summary><c>mot experts CKPT</c>: are a checkpoint's experts distinct and of full rank?</summary>
internal static class ExpertsCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "Checkpoint file" };
        var command = new Command("experts", "Rank of every expert matrix and distance between experts of a checkpoint") { checkpoint };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(checkpoint)!;
            using var model = CheckpointFile.LoadModel(path, CPU);
            var report = ExpertHealth.Of(model);
            if (report.Count == 0)
            {
                Console.WriteLine($"{path}: {model.Config.DescribeFeedForward()} has no experts");
                return 0;
            }
            Console.WriteLine($"{"tensor",-28} {"experts",7} {"full rank",9} {"ranks (min..max)",16} {"closest pair (rms, 1.41 = independent)",40}");
            foreach (var t in report)
            {
                var distance = double.IsNaN(t.SmallestPairDistance) ? "-" : t.SmallestPairDistance.ToString("F3", CultureInfo.InvariantCulture);
                Console.WriteLine($"{t.Name,-28} {t.Ranks.Count,7} {t.FullRank,9} {$"{t.Ranks.Min()}..{t.Ranks.Max()}",16} {distance,40}");
            }
            var degenerate = report.Where(t => t.Ranks.Min() < t.FullRank || t.SmallestPairDistance < 0.01).Select(t => t.Name).ToList();
            Console.WriteLine(degenerate.Count == 0
                ? "every expert matrix has full rank and no two experts are alike"
                : $"degenerate: {string.Join(", ", degenerate)}");
            return degenerate.Count == 0 ? 0 : 1;
        });
        return command;
    }
}
