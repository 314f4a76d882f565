// MSBuild task (compiled against netstandard2.0 by RoslynCodeTaskFactory from build/TorchSharpNativeFix.targets): makes TorchSharp's native
// bridge load on hosts whose libstdc++ predates GLIBCXX_3.4.32 (Debian 12), with nothing but the .NET SDK.
//
// libLibTorchSharp.so was built with GCC 13, whose <iostream> adds an undefined symbol
// std::ios_base_library_init()@GLIBCXX_3.4.32 that no relocation uses: it only pins the library version. The loader
// refuses the file for that version requirement alone, so marking the requirement weak (VER_FLG_WEAK in its
// .gnu.version_r entry) is enough; nothing ever looks the symbol up. A host whose libstdc++ has the version keeps the
// package's file untouched, and a patched file also loads on newer hosts.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class TorchSharpNativeFix : Task
{
    private const string MissingVersion = "GLIBCXX_3.4.32";
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>The folder holding libLibTorchSharp.so (build or publish output).</summary>
    [Required]
    public string NativeDirectory { get; set; } = "";

    public override bool Execute()
    {
        var bridge = Path.Combine(NativeDirectory, "libLibTorchSharp.so");
        if (!File.Exists(bridge) || HostHasVersion()) return true;
        try
        {
            var bytes = File.ReadAllBytes(bridge);
            var flagsOffset = FindRequirementFlags(bytes);
            if (flagsOffset < 0)
            {
                Log.LogError($"MOT0001: {bridge} has no {MissingVersion} requirement to weaken: TorchSharp changed its native build; revisit build/TorchSharpNativeFix.cs");
                return false;
            }

            var flags = BitConverter.ToUInt16(bytes, flagsOffset);
            if ((flags & VerFlagWeak) != 0) return true; // patched by an earlier build
            BitConverter.GetBytes((ushort)(flags | VerFlagWeak)).CopyTo(bytes, flagsOffset);
            // A fresh file renamed over the old one: never write through a hard link into the package cache, never
            // leave a half-written file behind.
            var temporary = bridge + ".mot-tmp";
            File.WriteAllBytes(temporary, bytes);
            File.Delete(bridge);
            File.Move(temporary, bridge);
            Log.LogMessage(MessageImportance.High, $"torchsharp-native-fix: {bridge} now needs {MissingVersion} weakly (this host's libstdc++ lacks it)");
            return true;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or ArgumentException)
        {
            Log.LogError($"MOT0001: cannot patch {bridge}: {error.Message}");
            return false;
        }
    }

    private static bool HostHasVersion()
    {
        foreach (var directory in new[] { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib/aarch64-linux-gnu", "/usr/lib" })
        {
            var library = Path.Combine(directory, "libstdc++.so.6");
            if (File.Exists(library)) return Contains(File.ReadAllBytes(library), Encoding.ASCII.GetBytes(MissingVersion));
        }

        return false; // no libstdc++ where we look: patching is harmless, so patch
    }

    /// <summary>The file offset of vna_flags of the MissingVersion requirement, or -1 (ELF64 little-endian only).</summary>
    private static int FindRequirementFlags(byte[] elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
            return -1;
        var sectionTable = checked((int)BitConverter.ToUInt64(elf, 0x28));
        int entrySize = BitConverter.ToUInt16(elf, 0x3A), count = BitConverter.ToUInt16(elf, 0x3C);
        for (var i = 0; i < count; i++)
        {
            var header = sectionTable + i * entrySize;
            if (BitConverter.ToUInt32(elf, header + 4) != ShtGnuVerneed) continue;
            var offset = checked((int)BitConverter.ToUInt64(elf, header + 0x18));
            var link = BitConverter.ToUInt32(elf, header + 0x28);
            var needCount = BitConverter.ToUInt32(elf, header + 0x2C);
            var strings = checked((int)BitConverter.ToUInt64(elf, sectionTable + (int)link * entrySize + 0x18));
            var need = offset;
            for (var n = 0; n < needCount; n++)
            {
                // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32
                int auxCount = BitConverter.ToUInt16(elf, need + 2);
                var aux = need + (int)BitConverter.ToUInt32(elf, need + 8);
                for (var a = 0; a < auxCount; a++)
                {
                    // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
                    var name = strings + (int)BitConverter.ToUInt32(elf, aux + 8);
                    if (NameAt(elf, name) == MissingVersion) return aux + 4;
                    aux += (int)BitConverter.ToUInt32(elf, aux + 12);
                }

                need += (int)BitConverter.ToUInt32(elf, need + 12);
            }
        }

        return -1;
    }

    private static string NameAt(byte[] elf, int start)
    {
        var end = Array.IndexOf(elf, (byte)0, start);
        return Encoding.ASCII.GetString(elf, start, (end < 0 ? elf.Length : end) - start);
    }

    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
        {
            var j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }

        return false;
    }
}
