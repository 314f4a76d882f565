using System.CommandLine;
using MoT.Cli.Api;
using MoT.Contracts.Runs;
using MoT.Contracts.Sweeps;

namespace MoT.Cli.Commands;

/// <summary><c>mot sweep pause|resume|extend</c>: the sweep page's controls, for scripts.</summary>
internal static class SweepControlCommands
{
    public static Command Pause() => Control("pause", "Hold a sweep: no new trial starts, trials already training go on", _ => new SweepControl("pause"));

    public static Command Resume() => Control("resume", "Let a paused sweep go on where it left", _ => new SweepControl("resume"));

    public static Command Extend()
    {
        var maxRuns = new Option<int?>("--max-runs") { Description = "Trials in all (random and tpe; at least the current budget)" };
        var concurrent = new Option<int?>("--max-concurrent") { Description = "Trials training at once (at least 1)" };
        var command = Control("extend", "Raise a running or paused sweep's budget",
            parse => new SweepControl("extend", new SweepBudget(parse.GetValue(maxRuns), parse.GetValue(concurrent))));
        command.Options.Add(maxRuns);
        command.Options.Add(concurrent);
        return command;
    }

    /// <summary>Prints the sweep's one-line answer; exit code 1 when nothing changed because the sweep refused.</summary>
    private static Command Control(string name, string description, Func<ParseResult, SweepControl> control)
    {
        var cluster = new ClusterConnection();
        var gateway = ApiCommandOptions.Gateway();
        var id = new Argument<Guid>("sweep-id");
        var command = new Command(name, description) { id, gateway };
        cluster.AddTo(command);
        command.SetAction((parse, cancel) => SweepCommand.WithSweepAsync(parse, cluster, gateway, parse.GetValue(id), async sweep =>
        {
            var result = await sweep.ControlAsync(control(parse), cancel);
            if (result.Changed) Console.WriteLine(result.Message);
            else Console.Error.WriteLine($"error: {result.Message}");
            return result.Changed ? 0 : 1;
        }, cancel));
        return command;
    }
}
