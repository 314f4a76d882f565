using Microsoft.Extensions.DependencyInjection;
using MoT.Data.Entities;
using MoT.Data.Queries;
using MoT.Data.Tests.Infrastructure;
using MoT.Contracts.Runs;

namespace MoT.Data.Tests;

public abstract class RunGroupsTests(DatabaseTarget target) : DataTestBase(target)
{
    private RunGroups Groups => Services.GetRequiredService<RunGroups>();
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string Config(double lr, int seed, string family = "MoT") =>
        $"{{\"model\":{{\"family\":\"{family}\"}},\"training\":{{\"lr\":{lr.ToString("R", System.Globalization.CultureInfo.InvariantCulture)},\"seed\":{seed}}}}}";

    [Fact]
    public async Task Groups_by_a_setting_give_mean_and_sample_std_of_best_eval_loss_as_computed_by_hand()
    {
        await AddRunsAsync(
            // lr 1e-3 over three seeds: 3.0, 3.2, 3.4 -> mean 3.2, std sqrt((0.04 + 0 + 0.04) / 2) = 0.2
            NewRun(config: Config(1e-3, 1), loss: 3.0), NewRun(config: Config(0.001, 2), loss: 3.2), NewRun(config: "{\"training\":{\"lr\":1e-3,\"seed\":3}}", loss: 3.4),
            // lr 3e-4 over two seeds: 2.9, 3.1 -> mean 3.0, std sqrt((0.01 + 0.01) / 1) = 0.141421...
            NewRun(config: Config(3e-4, 1), loss: 2.9), NewRun(config: Config(3e-4, 2), loss: 3.1),
            // one run: no spread
            NewRun(config: Config(1e-2, 1), loss: 4.0),
            // no loss yet: left out and counted; not setting lr: its own group
            NewRun(config: Config(1e-3, 4), status: RunStatus.Running),
            NewRun(config: "{\"training\":{\"seed\":1}}", loss: 5.0),
            // filtered out
            NewRun(config: Config(1e-3, 9, "Dense"), loss: 1.0, family: "Dense"));

        var result = await Groups.GroupAsync("family = MoT", "config.training.lr", Token);

        Assert.Equal("training.lr", result.Path);
        Assert.Equal(1, result.WithoutLoss);
        Assert.False(result.Truncated);
        Assert.Equal(["0.0003", "0.001", "0.01", null], result.Groups.Select(g => g.Value));
        var (low, mid, high, unset) = (result.Groups[0], result.Groups[1], result.Groups[2], result.Groups[3]);
        Assert.Equal((2, 3.0, 2.9), (low.Runs, Math.Round(low.MeanBestEvalLoss, 12), low.MinBestEvalLoss));
        Assert.Equal(Math.Sqrt(0.02), low.StdBestEvalLoss!.Value, 12);
        Assert.Equal((3, 3.2), (mid.Runs, Math.Round(mid.MeanBestEvalLoss, 12)));
        Assert.Equal(0.2, mid.StdBestEvalLoss!.Value, 12);
        Assert.Equal((1, 4.0, (double?)null), (high.Runs, high.MeanBestEvalLoss, high.StdBestEvalLoss));
        Assert.Equal((1, 5.0), (unset.Runs, unset.MeanBestEvalLoss));
    }

    [Fact]
    public void Welford_matches_the_two_pass_formula_on_large_close_values()
    {
        double[] losses = [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16];

        var group = RunGroups.Summarize("x", losses);

        // Two-pass by hand: mean 1e9 + 10, deviations -6 -3 3 6, sum of squares 90, / 3 = 30.
        Assert.Equal(1e9 + 10, group.MeanBestEvalLoss);
        Assert.Equal(Math.Sqrt(30), group.StdBestEvalLoss!.Value, 9);
    }

    [Theory]
    [InlineData("training lr")]
    [InlineData("training..lr")]
    [InlineData("")]
    public async Task A_group_path_that_is_not_a_config_path_is_refused_naming_it(string path)
    {
        var error = await Assert.ThrowsAsync<RunQueryException>(() => Groups.GroupAsync(null, path, Token));
        Assert.StartsWith($"group by: '{path.Trim()}' is not a config path", error.Message);
    }
}

public sealed class SqliteRunGroupsTests() : RunGroupsTests(new SqliteTarget());

[Collection(PostgresCollection.Name)]
public sealed class PostgresRunGroupsTests(PostgresServer server) : RunGroupsTests(new PostgresTarget(server));
