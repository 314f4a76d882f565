using System.Data.Common;
using MoT.Data.Queries;
using MoT.Training.Checkpoints;
using MoT.Training.Configuration;
using MoT.Training.Data;
using MoT.Training.Models;
using MoT.Training.Native;

namespace MoT.Cli.Output;

/// <summary>
/// The one place that decides which failures are the user's to fix (a bad flag, file, checkpoint, corpus, filter,
/// database setting) and are shown as their message on one line, and which are bugs ("unexpected", exit 70).
/// A user error must reach here as one of these types, thrown where its message can name the field or value:
/// never widen this list to catch-alls such as <see cref="ArgumentException"/>, which also means "bug".
/// </summary>
internal static class UserErrors
{
    /// <summary>Exit code of a user error.</summary>
    public const int ExitCode = 1;

    /// <summary>Exit code of an unexpected failure (sysexits EX_SOFTWARE).</summary>
    public const int UnexpectedExitCode = 70;

    /// <summary>True when <paramref name="error"/> is one the user caused and its message says what to change.</summary>
    public static bool IsUserError(Exception error) => error is
        NativeTorchException or ModelConfigException or InvalidConfigException or CheckpointException or CorpusException or DemoCorpusException
        or RunQueryException
        // Files and folders the user named (missing, unreadable, malformed as a format), and the store they pointed at.
        or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or UnauthorizedAccessException or IOException
        or DbException
        // Thrown with a user-facing message by configuration readers (database settings, sweep and config files).
        or InvalidOperationException or FormatException;

    /// <summary>The line printed for <paramref name="error"/>: its own message for a user error, else a pointer to MOT_DEBUG.</summary>
    public static string Describe(Exception error) => IsUserError(error)
        ? $"error: {OneLine(error.Message)}"
        : $"error: unexpected {error.GetType().Name}: {OneLine(error.Message)} (MOT_DEBUG=1 shows details)";

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
