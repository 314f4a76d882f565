using System.CommandLine;
using MoT.Training.Models;
using System.Globalization;

namespace MoT.Cli.Commands;

/// <summary><c>mot presets</c>: the named architectures with parameters and FLOPs per token.</summary>
internal static class PresetsCommand
{
    public static Command Create()
    {
        var command = new Command("presets", "List model presets with parameter counts and training FLOPs per token");
        command.SetAction(_ =>
        {
            // Plain aligned columns: readable in a terminal, greppable in scripts, never wrapped.
            Console.WriteLine($"{"preset",-24} {"d_model",7} {"blocks",6}  {"ffn",-34} {"params",9} {"train GFLOP/token",17} {"batch",5}");
            foreach (var name in ModelPresets.Known)
            {
                var preset = ModelPresets.Get(name);
                var c = preset.Config;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{preset.Name,-24} {c.DModel,7} {c.Layers,6}  {c.DescribeFeedForward(),-34} {ModelCost.Parameters(c) / 1e6,8:N1}M {ModelCost.TrainingFlopsPerToken(c) / 1e9,17:N3} {preset.DefaultBatchSize,5}"));
            }
            Console.WriteLine("Any {Family}-{Size}/{g}E/{k} name resolves: families Transformer, MoT, TokenChoice, ExpertChoice; sizes Mini, Tiny, Small, Medium, Base.");
            return 0;
        });
        return command;
    }
}
