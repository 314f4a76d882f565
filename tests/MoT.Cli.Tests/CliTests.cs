namespace MoT.Cli.Tests;

public sealed class CliTests
{
    [Fact]
    public async Task Presets_lists_the_paper_presets_with_parameter_counts()
    {
        using var scratch = new ScratchFolder();
        var result = await MotProcess.RunAsync(scratch.Path, "presets");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("MoT-Medium/32E", result.Output.Replace("\n", "").Replace("│", "").Replace(" ", ""));
        Assert.Contains("336.9M", result.Output);
    }

    [Theory]
    [InlineData("invalid config: Preset", "train", "--preset", "MoT-Huge/8E")]
    [InlineData("invalid config: model.mixtureOfTokens.groupSize: (8) must not exceed the batch size (4)", "train", "--preset", "MoT-Tiny/8E", "--batch-size", "4", "--data", "synthetic")]
    [InlineData("invalid config: steps: must be a whole number from 1 to 10,000,000 (limit MaxSteps), got 0", "train", "--preset", "Transformer-Tiny", "--steps", "0", "--data", "synthetic")]
    [InlineData("invalid config: learningRate: must be a number above 0 and at most 10 (limit MaxLearningRate), got 1000", "train", "--preset", "Transformer-Tiny", "--lr", "1000", "--data", "synthetic")]
    [InlineData("invalid config: data.tokenizer: 'klingon' is not a tokenizer", "train", "--preset", "Transformer-Tiny", "--tokenizer", "klingon", "--data", "synthetic")]
    [InlineData("does not exist", "resume", "no-such.ckpt")]
    [InlineData("config file missing.yaml does not exist", "train", "--config", "missing.yaml")]
    [InlineData("misplaced '(' at column 10", "runs", "query", "status = (", "--connection", "Data Source=history.db")]
    public async Task Bad_input_gives_one_clear_error_line_and_a_non_zero_exit(string expected, params string[] args)
    {
        using var scratch = new ScratchFolder();
        var result = await MotProcess.RunAsync(scratch.Path, args);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, result.Error);
        Assert.DoesNotContain("   at ", result.Error);   // no stack trace
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("stepz: 5\n", "invalid config: stepz: 'stepz' is not a config setting; did you mean 'steps'?")]
    [InlineData("model: { preset: MoT-Tiny/8E }\ntraining: { learning_rate: 0.01 }\n", "invalid config: training.learning_rate: 'training.learning_rate' is not a config setting; did you mean 'training.lr'?")]
    [InlineData("preset: MoT-Tiny/8E\nsteps: 9223372036854775807\n", "invalid config: steps: must be a whole number from 1 to 10,000,000 (limit MaxSteps), got 9223372036854775807")]
    [InlineData("preset: MoT-Tiny/8E\nsteps: 5\nsteps: 500\n", "steps: appears twice (lines 2 and 3); keep one")]
    [InlineData("- preset: MoT-Tiny/8E\n", "run.yaml must hold a mapping of settings")]
    public async Task A_config_file_with_a_mistake_is_refused_naming_the_setting(string yaml, string expected)
    {
        using var scratch = new ScratchFolder();
        await File.WriteAllTextAsync(Path.Combine(scratch.Path, "run.yaml"), yaml, TestContext.Current.CancellationToken);
        var result = await MotProcess.RunAsync(scratch.Path, "train", "--config", "run.yaml", "--data", "synthetic");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.Error);
        Assert.DoesNotContain("unexpected", result.Error);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Train_from_a_yaml_file_then_resume_then_transition_tune_then_eval()
    {
        using var scratch = new ScratchFolder();
        await File.WriteAllTextAsync(Path.Combine(scratch.Path, "run.yaml"), """
            preset: MoT-Tiny/8E
            steps: 12
            batchSize: 8
            learningRate: 0.003
            evalInterval: 6
            checkpointInterval: 6
            logInterval: 3
            data:
              source: synthetic
            model:
              layers: 2
              contextLength: 32
            """, TestContext.Current.CancellationToken);

        var train = await MotProcess.RunAsync(scratch.Path, "train", "--config", "run.yaml", "--out", "run");
        Assert.True(train.ExitCode == 0, train.Output + train.Error);
        Assert.Contains("completed 12 steps", train.Output);
        var checkpoint = Path.Combine(scratch.Path, "run", "checkpoints", "step-0000006.ckpt");
        Assert.True(File.Exists(checkpoint));
        Assert.Contains("eval_loss", await File.ReadAllTextAsync(Path.Combine(scratch.Path, "run", "metrics.csv"), TestContext.Current.CancellationToken));

        var resume = await MotProcess.RunAsync(scratch.Path, "resume", checkpoint, "--steps", "18");
        Assert.True(resume.ExitCode == 0, resume.Output + resume.Error);
        Assert.Contains("completed 18 steps", resume.Output);

        var transition = await MotProcess.RunAsync(scratch.Path, "transition", "--from", Path.Combine("run", "checkpoints", "step-0000018.ckpt"),
            "--to", "token-choice", "--steps", "6", "--out", "tc");
        Assert.True(transition.ExitCode == 0, transition.Output + transition.Error);
        Assert.Contains("eval loss right after the switch", transition.Output);
        Assert.Contains("ffn=TokenChoice(E=8", transition.Output);

        var eval = await MotProcess.RunAsync(scratch.Path, "eval", Path.Combine("tc", "checkpoints", "step-0000006.ckpt"));
        Assert.True(eval.ExitCode == 0, eval.Output + eval.Error);
        Assert.Contains("eval loss", eval.Output);
    }

    [Fact]
    public async Task Db_migrate_creates_the_schema_and_runs_query_reads_the_empty_history()
    {
        using var scratch = new ScratchFolder();
        var migrate = await MotProcess.RunAsync(scratch.Path, "db", "migrate", "--connection", "Data Source=history.db");
        Assert.True(migrate.ExitCode == 0, migrate.Output + migrate.Error);
        Assert.Contains("schema up to date", migrate.Output);

        var query = await MotProcess.RunAsync(scratch.Path, "runs", "query", "status in (Completed, Running)", "--connection", "Data Source=history.db");
        Assert.True(query.ExitCode == 0, query.Output + query.Error);
        Assert.Contains("0 run(s)", query.Output);
    }
}
