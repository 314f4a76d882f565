using System.CommandLine;
using MoT.Contracts.Runs;
using MoT.Contracts.Sweeps;

namespace MoT.Cli.Commands;

/// <summary><c>mot sweep pause|resume|extend</c>: the sweep page's controls, for scripts.</summary>
internal static class SweepControlCommands
{
    public static Command Pause() => Control("pause", "Hold a sweep: no new trial starts, trials already training go on",
        (sweep, by) => sweep.PauseAsync(by));

    public static Command Resume() => Control("resume", "Let a paused sweep go on where it left",
        (sweep, by) => sweep.ResumeAsync(by));

    public static Command Extend()
    {
        var maxRuns = new Option<int?>("--max-runs") { Description = "Trials in all (random and tpe; at least the current budget)" };
        var concurrent = new Option<int?>("--max-concurrent") { Description = "Trials training at once (at least 1)" };
        var command = Control("extend", "Raise a running or paused sweep's budget",
            (sweep, by, parse) => sweep.ExtendAsync(new SweepBudget(parse.GetValue(maxRuns), parse.GetValue(concurrent)), by));
        command.Options.Add(maxRuns);
        command.Options.Add(concurrent);
        return command;
    }

    private static Command Control(string name, string description, Func<ISweepGrain, string, Task<CommandResult>> act) =>
        Control(name, description, (sweep, by, _) => act(sweep, by));

    /// <summary>Prints the sweep's one-line answer; exit code 1 when nothing changed because the sweep refused.</summary>
    private static Command Control(string name, string description, Func<ISweepGrain, string, ParseResult, Task<CommandResult>> act)
    {
        var cluster = new ClusterConnection();
        var id = new Argument<Guid>("sweep-id");
        var command = new Command(name, description) { id };
        cluster.AddTo(command);
        command.SetAction(async (parse, cancel) =>
        {
            using var host = await cluster.ConnectAsync(parse, cancel);
            var sweep = ClusterConnection.Client(host).GetGrain<ISweepGrain>(parse.GetValue(id));
            var result = await act(sweep, $"{Environment.UserName} (mot sweep {name})", parse);
            if (result.Changed) Console.WriteLine(result.Message);
            else Console.Error.WriteLine($"error: {result.Message}");
            return result.Changed ? 0 : 1;
        });
        return command;
    }
}
