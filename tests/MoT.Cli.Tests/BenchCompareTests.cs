using MoT.Cli.Bench;
using MoT.Cli.Commands;

namespace MoT.Cli.Tests;

/// <summary>`mot bench compare`: the step at which a curve reaches a loss, and the family list.</summary>
public sealed class BenchCompareTests
{
    private static ComparedRun Run(params (int Step, double Loss)[] curve) => new("MoT-Mini/8E", 1, 0, 0, curve);

    [Fact]
    public void The_step_reaching_a_loss_is_interpolated_between_the_eval_points_around_the_crossing()
    {
        var run = Run((100, 3.0), (200, 2.5), (300, 2.0), (400, 1.9));
        // 2.25 lies halfway between 2.5 (step 200) and 2.0 (step 300).
        Assert.Equal(250, run.StepReaching(2.25)!.Value, 9);
        Assert.Equal(300, run.StepReaching(2.0)!.Value, 9);
        Assert.Equal(100, run.StepReaching(3.5)!.Value, 9);   // already below at the first eval
        Assert.Null(run.StepReaching(1.5));
    }

    [Fact]
    public void The_first_crossing_counts_even_when_the_curve_rises_again()
    {
        var run = Run((100, 2.0), (200, 1.0), (300, 3.0), (400, 0.5));
        Assert.Equal(150, run.StepReaching(1.5)!.Value, 9);
    }

    [Fact]
    public void The_table_says_never_when_a_model_does_not_reach_the_reference()
    {
        var dense = new ComparedRun("Transformer-Mini", 1, 0, 0, [(100, 2.0), (200, 1.5)]);
        var mot = new ComparedRun("MoT-Mini/8E", 1, 0, 0, [(100, 2.1), (200, 1.6)]);
        var table = CompareBenchmark.Table([dense, mot]);
        Assert.Contains("never", table.Split('\n').Single(l => l.StartsWith("MoT-Mini/8E")));
    }

    [Theory]
    [InlineData("Transformer,MoT", new[] { "Transformer", "MoT" })]
    [InlineData(" mot , tokenchoice ", new[] { "MoT", "TokenChoice" })]
    [InlineData("Transformer,Nope", null)]
    [InlineData(",", null)]
    public void Families_parse_case_insensitively_and_unknown_ones_are_refused(string list, string[]? expected)
    {
        Assert.Equal(expected, BenchCommand.ParseFamilies(list));
    }
}
