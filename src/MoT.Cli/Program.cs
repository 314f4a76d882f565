using System.CommandLine;
using MoT.Cli.Commands;
using MoT.Cli.Output;
using MoT.Training.Native;

// `mot`: every verb is one file under Commands/. User errors (Output/UserErrors) print one line and exit 1;
// anything else is a bug: "unexpected", exit 70, and MOT_DEBUG=1 lets it through with its stack trace.
var root = new RootCommand("MoT.Platform: train and compare Mixture-of-Tokens language models")
{
    TrainCommand.Create(),
    EvalCommand.Create(),
    ExpertsCommand.Create(),
    ResumeCommand.Create(),
    TransitionCommand.Create(),
    PresetsCommand.Create(),
    BenchCommand.Create(),
    DataCommand.Create(),
    DbCommand.Create(),
    RunsCommand.Create(),
    SweepCommand.Create(),
    LoginCommand.Create(),
    LoginCommand.CreateLogout(),
};

try
{
    // Before any torch use: binds libtorch from MOT_LIBTORCH_DIR (GPU hosts) or checks the bundled package.
    NativeTorch.Load();
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception error) when (UserErrors.IsUserError(error) || Environment.GetEnvironmentVariable("MOT_DEBUG") != "1")
{
    Console.Error.WriteLine(UserErrors.Describe(error));
    return UserErrors.IsUserError(error) ? UserErrors.ExitCode : UserErrors.UnexpectedExitCode;
}
