using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MoT.Cli.Tests;

/// <summary>`mot train/resume/eval` with checkpoints that end, mismatch or were damaged: one clear line and a
/// deliberate exit code, the real path where a checkpoint was written, and nothing written where it must not be.</summary>
public sealed class CheckpointCliTests
{
    private static readonly string[] s_tiny = ["--data", "synthetic", "--eval-interval", "4", "--log-interval", "2"];

    private static async Task<string> TrainAsync(string directory, string output, string preset = "Transformer-Tiny", int steps = 4)
    {
        var train = await MotProcess.RunAsync(directory, ["train", "--preset", preset, "--batch-size", "8", "--steps", $"{steps}",
            "--checkpoint-interval", $"{steps}", "--out", output, .. s_tiny]);
        Assert.True(train.ExitCode == 0, train.Output + train.Error);
        return Path.Combine(directory, output, "checkpoints", $"step-{steps:D7}.ckpt");
    }

    private static void AssertOneClearLine(MotProcess.Result result, string expected)
    {
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.Error);
        Assert.DoesNotContain("unexpected", result.Error);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Training_that_ends_on_a_checkpoint_step_prints_that_checkpoints_full_path_on_the_last_line()
    {
        using var scratch = new ScratchFolder();
        // Longer than the 80 columns a redirected console is given: the path used to be wrapped onto its own line.
        var output = Path.Combine("a-rather-long-folder-name-for-runs", "transformer-tiny-with-a-long-name-20261201-073500");

        var train = await MotProcess.RunAsync(scratch.Path, ["train", "--preset", "Transformer-Tiny", "--steps", "4",
            "--checkpoint-interval", "4", "--out", output, .. s_tiny]);
        Assert.True(train.ExitCode == 0, train.Output + train.Error);
        var checkpoint = Path.Combine(scratch.Path, output, "checkpoints", "step-0000004.ckpt");
        Assert.True(File.Exists(checkpoint));
        var last = train.Output.TrimEnd().Split('\n')[^1];
        Assert.StartsWith("completed 4 steps", last);
        Assert.EndsWith($"; checkpoint {checkpoint}", last);

        var resume = await MotProcess.RunAsync(scratch.Path, "resume", checkpoint, "--steps", "6");
        Assert.True(resume.ExitCode == 0, resume.Output + resume.Error);
        last = resume.Output.TrimEnd().Split('\n')[^1];
        Assert.StartsWith("completed 6 steps", last);
        Assert.EndsWith($"; checkpoint {Path.Combine(scratch.Path, output, "checkpoints", "step-0000006.ckpt")}", last);
    }

    [Fact]
    public async Task Resume_with_more_trains_that_many_additional_steps_and_refuses_nonsense_in_one_line()
    {
        using var scratch = new ScratchFolder();
        var checkpoint = await TrainAsync(scratch.Path, "run");

        var zero = await MotProcess.RunAsync(scratch.Path, "resume", checkpoint, "--more", "0");
        AssertOneClearLine(zero, "--more: must be at least 1 (was 0)");
        var both = await MotProcess.RunAsync(scratch.Path, "resume", checkpoint, "--more", "2", "--steps", "9");
        AssertOneClearLine(both, "--steps and --more: give one");

        var more = await MotProcess.RunAsync(scratch.Path, "resume", checkpoint, "--more", "3");
        Assert.True(more.ExitCode == 0, more.Output + more.Error);
        var last = more.Output.TrimEnd().Split('\n')[^1];
        Assert.StartsWith("completed 7 steps", last);
        Assert.True(File.Exists(Path.Combine(scratch.Path, "run", "checkpoints", "step-0000007.ckpt")));
    }

    [Fact]
    public async Task Resuming_to_fewer_steps_is_refused_and_resuming_a_finished_run_says_there_is_nothing_to_train()
    {
        using var scratch = new ScratchFolder();
        var checkpoint = await TrainAsync(scratch.Path, "run");
        var metrics = Path.Combine(scratch.Path, "run", "metrics.csv");
        var before = await File.ReadAllTextAsync(metrics, TestContext.Current.CancellationToken);

        var backwards = await MotProcess.RunAsync(scratch.Path, "resume", checkpoint, "--steps", "2");
        AssertOneClearLine(backwards, "is at step 4, past the requested total of 2 steps");

        var finished = await MotProcess.RunAsync(scratch.Path, "resume", checkpoint);
        Assert.True(finished.ExitCode == 0, finished.Output + finished.Error);
        Assert.Equal($"nothing to train: {checkpoint} is already at step 4 of 4; pass --more N for N more steps (or --steps N with N > 4) to train further",
            finished.Output.Trim());

        Assert.Equal(before, await File.ReadAllTextAsync(metrics, TestContext.Current.CancellationToken));
        Assert.Single(Directory.GetFiles(Path.Combine(scratch.Path, "run", "checkpoints"), "*.ckpt"));
    }

    [Fact]
    public async Task A_dense_checkpoint_placed_in_a_MoT_run_folder_is_not_resumed_there()
    {
        using var scratch = new ScratchFolder();
        var dense = await TrainAsync(scratch.Path, "dense");
        await TrainAsync(scratch.Path, "mot", preset: "MoT-Tiny/8E");
        var misplaced = Path.Combine(scratch.Path, "mot", "checkpoints", "step-0000002.ckpt");
        File.Copy(dense, misplaced);
        File.Copy(dense + ".manifest.json", misplaced + ".manifest.json");
        var before = Directory.GetFiles(Path.Combine(scratch.Path, "mot"), "*", SearchOption.AllDirectories).Order().ToArray();
        var metrics = await File.ReadAllTextAsync(Path.Combine(scratch.Path, "mot", "metrics.csv"), TestContext.Current.CancellationToken);

        var result = await MotProcess.RunAsync(scratch.Path, "resume", misplaced, "--steps", "8");

        AssertOneClearLine(result, "is a Dense model");
        Assert.Contains("holds a MixtureOfTokens run", result.Error);
        Assert.Equal(before, Directory.GetFiles(Path.Combine(scratch.Path, "mot"), "*", SearchOption.AllDirectories).Order().ToArray());
        Assert.Equal(metrics, await File.ReadAllTextAsync(Path.Combine(scratch.Path, "mot", "metrics.csv"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_new_run_is_not_started_in_a_folder_that_holds_a_run()
    {
        using var scratch = new ScratchFolder();
        var checkpoint = await TrainAsync(scratch.Path, "run");
        var before = await File.ReadAllBytesAsync(checkpoint, TestContext.Current.CancellationToken);

        var again = await MotProcess.RunAsync(scratch.Path, ["train", "--preset", "MoT-Tiny/8E", "--batch-size", "8", "--steps", "4",
            "--checkpoint-interval", "4", "--out", "run", .. s_tiny]);

        AssertOneClearLine(again, $"run folder {Path.Combine(scratch.Path, "run")} already holds a run (1 checkpoint(s), e.g. step-0000004.ckpt)");
        Assert.Equal(before, await File.ReadAllBytesAsync(checkpoint, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_checkpoint_damaged_behind_a_recomputed_manifest_is_one_line_naming_the_mismatched_weights()
    {
        using var scratch = new ScratchFolder();
        var checkpoint = await TrainAsync(scratch.Path, "run");
        var bytes = await File.ReadAllBytesAsync(checkpoint, TestContext.Current.CancellationToken);
        var at = bytes.AsSpan().IndexOf("blocks.1."u8);
        Assert.True(at >= 0);
        bytes[at + 7] = (byte)'7';
        await File.WriteAllBytesAsync(checkpoint, bytes, TestContext.Current.CancellationToken);
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(checkpoint + ".manifest.json", TestContext.Current.CancellationToken))!;
        manifest["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes));
        await File.WriteAllTextAsync(checkpoint + ".manifest.json", manifest.ToJsonString(), TestContext.Current.CancellationToken);

        foreach (var args in new[] { new[] { "eval", checkpoint }, ["resume", checkpoint, "--steps", "8"] })
        {
            var result = await MotProcess.RunAsync(scratch.Path, args);
            AssertOneClearLine(result, "does not match its model");
            Assert.Matches("weights missing 1 \\(blocks\\.1\\.[^)]*\\); extra 1 \\(blocks\\.7\\.", result.Error);
            Assert.DoesNotContain("Mismatched module state names", result.Error);
        }
    }

    private static string Repeat(string text, int count) => new StringBuilder(text.Length * count).Insert(0, text, count).ToString();

    public static TheoryData<string, string> HostileFilters => new()
    {
        { Repeat("(", 50_000) + "owner = x" + Repeat(")", 50_000), "the filter is 100009 characters long; the limit is 8192 (Queries:Filter:MaxLength)" },
        { Repeat("not ", 10_000) + "owner = x", "(Queries:Filter:MaxLength)" },
        { string.Join(" or ", Enumerable.Range(0, 7_000).Select(i => $"owner = u{i}")), "(Queries:Filter:MaxLength)" },
        { Repeat("(", 40) + "owner = x" + Repeat(")", 40), "more than 32 levels deep at column 33 (Queries:Filter:MaxNesting)" },
        { string.Join(" or ", Enumerable.Range(0, 300).Select(i => $"owner = u{i}")), "more than 256 conditions" },
        { "best_eval_loss < NaN", "invalid number 'NaN' for 'best_eval_loss' at column 18; expected a finite number" },
        { "best_eval_loss < Infinity", "invalid number 'Infinity' for 'best_eval_loss'" },
        { "sweep = b2c", "invalid id 'b2c' for 'sweep' at column 9" },
    };

    [Theory]
    [MemberData(nameof(HostileFilters))]
    public async Task Runs_query_answers_a_hostile_filter_with_one_line_and_survives(string filter, string expected)
    {
        using var scratch = new ScratchFolder();
        var result = await MotProcess.RunAsync(scratch.Path, "runs", "query", filter, "--connection", "Data Source=history.db");
        AssertOneClearLine(result, expected);
    }

    [Fact]
    public async Task Filter_limits_are_settings_the_cli_reads_from_its_environment()
    {
        using var scratch = new ScratchFolder();
        var result = await MotProcess.RunWithEnvironmentAsync(scratch.Path,
            new Dictionary<string, string?> { ["MOT_Queries__Filter__MaxLength"] = "200000", ["MOT_Queries__Filter__MaxNesting"] = "64" },
            "runs", "query", Repeat("(", 50_000) + "owner = x" + Repeat(")", 50_000), "--connection", "Data Source=history.db");
        AssertOneClearLine(result, "more than 64 levels deep at column 65 (Queries:Filter:MaxNesting)");
    }

    [Theory]
    [InlineData("cannot sort by 'x;y'; sortable fields: created", "runs", "query", "--sort", "x;y", "--connection", "Data Source=history.db")]
    [InlineData("page size 0 is outside 1..1000", "runs", "query", "--page-size", "0", "--connection", "Data Source=history.db")]
    [InlineData("the cursor is not a token returned by a previous query", "runs", "query", "--cursor", "garbage!", "--connection", "Data Source=history.db")]
    [InlineData("the connection string (--connection or MOT_Database__ConnectionString) is not valid", "runs", "query", "--connection", "garbage")]
    [InlineData("is a folder; give one of its .ckpt files", "eval", ".")]
    public async Task Bad_query_and_checkpoint_arguments_are_one_line_never_unexpected(string expected, params string[] args)
    {
        using var scratch = new ScratchFolder();
        AssertOneClearLine(await MotProcess.RunAsync(scratch.Path, args), expected);
    }
}
