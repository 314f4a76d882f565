using System.CommandLine;
using MoT.Cli.Commands;
using MoT.Training.Checkpoints;
using MoT.Data.Queries;
using MoT.Training.Data;
using MoT.Training.Models;
using MoT.Training.Native;

// `mot`: every verb is one file under Commands/. User errors print one line and exit non-zero;
// set MOT_DEBUG=1 to see the stack trace of an unexpected error.
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
};

try
{
    // Before any torch use: binds libtorch from MOT_LIBTORCH_DIR (GPU hosts) or checks the bundled package.
    NativeTorch.Load();
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception error) when (error is NativeTorchException or ModelConfigException or CheckpointException or CorpusException or DemoCorpusException
                                  or QuerySyntaxException or InvalidOperationException or Npgsql.NpgsqlException or FileNotFoundException
                                  or DirectoryNotFoundException or InvalidDataException or UnauthorizedAccessException or IOException)
{
    Console.Error.WriteLine($"error: {error.Message}");
    return 1;
}
catch (Exception error) when (Environment.GetEnvironmentVariable("MOT_DEBUG") != "1")
{
    Console.Error.WriteLine($"error: unexpected {error.GetType().Name}: {error.Message} (MOT_DEBUG=1 shows details)");
    return 70;
}
