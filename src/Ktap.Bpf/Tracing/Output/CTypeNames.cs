namespace Ktap.Bpf.Tracing.Output;

/// <summary>
/// C type names as they appear in format files: in casts and <c>sizeof</c> of the print format,
/// and in field declarations. The kernel's typedefs are known by name (their sizes on x86-64);
/// <c>struct</c>, <c>union</c> and <c>enum</c> tags need no table.
/// </summary>
internal static class CTypeNames
{
    private static readonly Dictionary<string, CType> Typedefs = new(StringComparer.Ordinal)
    {
        ["bool"] = CType.Bool,
        ["_Bool"] = CType.Bool,
        ["u8"] = CType.UnsignedChar,
        ["__u8"] = CType.UnsignedChar,
        ["uint8_t"] = CType.UnsignedChar,
        ["u_char"] = CType.UnsignedChar,
        ["s8"] = CType.Char,
        ["__s8"] = CType.Char,
        ["int8_t"] = CType.Char,
        ["u16"] = CType.UnsignedShort,
        ["__u16"] = CType.UnsignedShort,
        ["uint16_t"] = CType.UnsignedShort,
        ["__be16"] = CType.UnsignedShort,
        ["__le16"] = CType.UnsignedShort,
        ["umode_t"] = CType.UnsignedShort,
        ["s16"] = CType.Short,
        ["__s16"] = CType.Short,
        ["int16_t"] = CType.Short,
        ["u32"] = CType.UnsignedInt,
        ["__u32"] = CType.UnsignedInt,
        ["uint32_t"] = CType.UnsignedInt,
        ["uint"] = CType.UnsignedInt,
        ["__be32"] = CType.UnsignedInt,
        ["__le32"] = CType.UnsignedInt,
        ["gfp_t"] = CType.UnsignedInt,
        ["dev_t"] = CType.UnsignedInt,
        ["uid_t"] = CType.UnsignedInt,
        ["gid_t"] = CType.UnsignedInt,
        ["blk_opf_t"] = CType.UnsignedInt,
        ["fmode_t"] = CType.UnsignedInt,
        ["s32"] = CType.Int,
        ["__s32"] = CType.Int,
        ["int32_t"] = CType.Int,
        ["pid_t"] = CType.Int,
        ["clockid_t"] = CType.Int,
        ["__kernel_rwf_t"] = CType.Int,
        ["rwf_t"] = CType.Int,
        ["u64"] = CType.UnsignedLong,
        ["__u64"] = CType.UnsignedLong,
        ["uint64_t"] = CType.UnsignedLong,
        ["ulong"] = CType.UnsignedLong,
        ["size_t"] = CType.UnsignedLong,
        ["sector_t"] = CType.UnsignedLong,
        ["ino_t"] = CType.UnsignedLong,
        ["phys_addr_t"] = CType.UnsignedLong,
        ["dma_addr_t"] = CType.UnsignedLong,
        ["resource_size_t"] = CType.UnsignedLong,
        ["uintptr_t"] = CType.UnsignedLong,
        ["s64"] = CType.Long,
        ["__s64"] = CType.Long,
        ["int64_t"] = CType.Long,
        ["ssize_t"] = CType.Long,
        ["loff_t"] = CType.Long,
        ["off_t"] = CType.Long,
        ["time64_t"] = CType.Long,
        ["ktime_t"] = CType.Long,
        ["ptrdiff_t"] = CType.Long,
        ["intptr_t"] = CType.Long,
    };

    /// <summary>Words that can only start a type name, never an expression.</summary>
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "void", "char", "short", "int", "long", "signed", "unsigned", "const", "volatile",
        "struct", "union", "enum", "__force", "__user", "__iomem", "__percpu",
    };

    /// <summary>Whether <paramref name="word"/> can start a type name (a cast, <c>sizeof(type)</c>, a declaration).</summary>
    public static bool StartsType(string word) => Keywords.Contains(word) || Typedefs.ContainsKey(word);

    /// <summary>
    /// The type named by <paramref name="words"/> (<c>unsigned long</c>, <c>const char</c>,
    /// <c>struct page</c>, <c>u32</c>) followed by <paramref name="pointerDepth"/> stars; null
    /// for a name this table does not know.
    /// </summary>
    public static CType? Resolve(IReadOnlyList<string> words, int pointerDepth)
    {
        var type = ResolveBase(words);
        if (type is null)
        {
            return null;
        }

        for (var i = 0; i < pointerDepth; i++)
        {
            type = CType.PointerTo(type);
        }

        return type;
    }

    /// <summary>The type of a format file's declared type (<c>const char *</c>, <c>enum hrtimer_mode</c>, <c>pid_t</c>).</summary>
    public static CType? Parse(string declaredType)
    {
        var text = declaredType.Trim();
        var depth = 0;
        while (text.EndsWith('*'))
        {
            depth++;
            text = text[..^1].TrimEnd();

            // "const char *const *": a qualifier after a star qualifies the pointer itself.
            foreach (var qualifier in new[] { "const", "volatile" })
            {
                if (text.EndsWith(" " + qualifier, StringComparison.Ordinal) || text.EndsWith("*" + qualifier, StringComparison.Ordinal))
                {
                    text = text[..^qualifier.Length].TrimEnd();
                }
            }
        }

        return Resolve(text.Split(' ', StringSplitOptions.RemoveEmptyEntries), depth);
    }

    private static CType? ResolveBase(IReadOnlyList<string> words)
    {
        var signedness = (bool?)null;
        var longs = 0;
        var isShort = false;
        var isInt = false;
        string? core = null;
        for (var i = 0; i < words.Count; i++)
        {
            switch (words[i])
            {
                case "const" or "volatile" or "__force" or "__user" or "__iomem" or "__percpu" or "__seg_gs":
                    break;
                case "signed":
                    signedness = true;
                    break;
                case "unsigned":
                    signedness = false;
                    break;
                case "long":
                    longs++;
                    break;
                case "short":
                    isShort = true;
                    break;
                case "int":
                    isInt = true;
                    break;
                case "struct" or "union" when i + 1 < words.Count:
                    // struct page: only its size could matter, and only for pointer arithmetic,
                    // which needs an address we do not have anyway.
                    return new CType(CTypeKind.Aggregate, 0, false);
                case "enum" when i + 1 < words.Count:
                    // Enums without negative values are unsigned int in GCC.
                    return CType.UnsignedInt;
                default:
                    if (core is not null)
                    {
                        return null;
                    }

                    core = words[i];
                    break;
            }
        }

        var modified = signedness is not null || longs > 0 || isShort || isInt;
        return core switch
        {
            null when isShort => CType.Integer(2, signedness ?? true),
            null when longs > 0 => CType.Integer(8, signedness ?? true),
            null when modified => CType.Integer(4, signedness ?? true),
            "char" when longs == 0 && !isShort && !isInt => signedness is false ? CType.UnsignedChar : CType.Char,
            "void" when !modified => CType.Void,
            not null when !modified => Typedefs.GetValueOrDefault(core),
            _ => null,
        };
    }
}
